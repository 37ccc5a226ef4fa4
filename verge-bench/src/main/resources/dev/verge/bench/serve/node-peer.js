'use strict';
// The server a user could write instead of running a Verge agent: onnxruntime-node behind Node's
// http module, answering the Open Inference Protocol's infer call (KServe v2 REST) with JSON tensors
// or Triton's binary tensor extension. verge bench serve measures it beside the agent.
// Usage: node node-peer.js PORT THREADS NAME=FILE.onnx...  (prints "listening on URL" when ready)
const http = require('http');
const ort = require('onnxruntime-node');

const TYPES = { FP32: Float32Array, FP64: Float64Array, INT32: Int32Array, INT64: BigInt64Array };
const ORT_TYPES = { FP32: 'float32', FP64: 'float64', INT32: 'int32', INT64: 'int64' };
const PROTOCOL_TYPES = { float32: 'FP32', float64: 'FP64', int32: 'INT32', int64: 'INT64' };
const HEADER = 'inference-header-content-length';
const MAX_BODY = 64 * 1024 * 1024;
const sessions = new Map();

function reply(res, status, json, sections) {
  const text = Buffer.from(JSON.stringify(json));
  const headers = { 'Content-Type': sections ? 'application/octet-stream' : 'application/json' };
  if (sections) headers['Inference-Header-Content-Length'] = text.length;
  const body = sections ? Buffer.concat([text, ...sections]) : text;
  headers['Content-Length'] = body.length;
  res.writeHead(status, headers);
  res.end(body);
}

function tensor(input, raw) {
  const Typed = TYPES[input.datatype];
  if (!Typed) throw new Error(`input ${input.name}: datatype ${input.datatype} is not served`);
  const count = input.shape.reduce((a, b) => a * b, 1);
  let values;
  const size = input.parameters && input.parameters.binary_data_size;
  if (size !== undefined) {
    if (raw.offset + size > raw.bytes.length) throw new Error(`input ${input.name}: binary data runs past the body`);
    // A copy into a fresh ArrayBuffer: typed arrays need their elements aligned.
    const start = raw.bytes.byteOffset + raw.offset;
    values = new Typed(raw.bytes.buffer.slice(start, start + size));
    raw.offset += size;
  } else {
    const flat = input.data.flat(Infinity);
    values = Typed === BigInt64Array ? BigInt64Array.from(flat, BigInt) : Typed.from(flat);
  }
  if (values.length !== count) throw new Error(`input ${input.name}: ${values.length} values for shape [${input.shape}]`);
  return new ort.Tensor(ORT_TYPES[input.datatype], values, input.shape);
}

async function infer(model, req, res, body) {
  const session = sessions.get(model);
  if (!session) return reply(res, 404, { error: `model ${model} is not served` });
  const length = req.headers[HEADER] === undefined ? body.length : Number(req.headers[HEADER]);
  if (!(length >= 0 && length <= body.length)) return reply(res, 400, { error: `bad ${HEADER}` });
  const request = JSON.parse(body.subarray(0, length).toString('utf8'));
  const raw = { bytes: body, offset: length };
  const feeds = {};
  for (const input of request.inputs || []) feeds[input.name] = tensor(input, raw);
  const asked = request.outputs || [];
  const names = asked.length ? asked.map((o) => o.name) : session.outputNames;
  const results = await session.run(feeds, names);
  const allBinary = !!(request.parameters && request.parameters.binary_data_output);
  const outputs = [];
  const sections = [];
  for (const name of names) {
    const t = results[name];
    const out = { name, datatype: PROTOCOL_TYPES[t.type], shape: t.dims };
    const wanted = asked.find((o) => o.name === name);
    if (allBinary || (wanted && wanted.parameters && wanted.parameters.binary_data)) {
      const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      out.parameters = { binary_data_size: bytes.length };
      sections.push(bytes);
    } else {
      out.data = Array.from(t.data, Number);
    }
    outputs.push(out);
  }
  const answer = { model_name: model, model_version: '1', outputs };
  if (request.id !== undefined) answer.id = request.id;
  reply(res, 200, answer, sections.length ? sections : null);
}

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (req.method === 'GET' && (path === '/v2/health/ready' || path === '/v2/health/live')) {
    res.writeHead(200, { 'Content-Length': 0 });
    return res.end();
  }
  const route = /^\/v2\/models\/([^/]+)(?:\/versions\/[^/]+)?\/infer$/.exec(path);
  if (req.method !== 'POST' || !route) return reply(res, 404, { error: `no route ${req.method} ${path}` });
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY) return reply(res, 413, { error: `body over ${MAX_BODY} bytes` });
    infer(decodeURIComponent(route[1]), req, res, Buffer.concat(chunks))
      .catch((e) => reply(res, 400, { error: String(e.message || e) }));
  });
});

// Ends with the benchmark that started it, however that ends (it is then re-parented).
const parent = process.ppid;
setInterval(() => process.ppid !== parent && process.exit(0), 1000).unref();

async function main() {
  const [port, threads, ...models] = process.argv.slice(2);
  const options = { intraOpNumThreads: Number(threads), interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  for (const model of models) {
    const at = model.indexOf('=');
    sessions.set(model.slice(0, at), await ort.InferenceSession.create(model.slice(at + 1), options));
  }
  server.keepAliveTimeout = 60000;
  server.listen(Number(port), '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
