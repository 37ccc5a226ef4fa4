package dev.verge.bench.serve;

/** One row of the table: a model, a batch size, a number of concurrent callers, an encoding. */
record Case(BenchModel model, int batch, int connections, Tensors tensors) {}
