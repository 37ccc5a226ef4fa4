package dev.verge.cli;

import dev.verge.cli.output.Table;
import dev.verge.core.bundle.Bundle;
import dev.verge.core.bundle.BundleException;
import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.bundle.Digests;
import dev.verge.core.bundle.Manifest;
import dev.verge.core.bundle.Sample;
import dev.verge.core.bundle.Samples;
import dev.verge.core.oip.Tensor;
import dev.verge.core.signing.Keys;
import dev.verge.core.signing.PublisherKey;
import dev.verge.core.signing.TrustStore;
import dev.verge.runtime.EngineException;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.OnnxEngine;
import dev.verge.runtime.SampleCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verge bundle}: make, sign, check and read model bundles. */
@Command(
    name = "bundle",
    mixinStandardHelpOptions = true,
    description = "Model bundles: one signed file holding a manifest and the model.",
    subcommands = {
      BundleCommand.Create.class,
      BundleCommand.Sign.class,
      BundleCommand.Verify.class,
      BundleCommand.Inspect.class
    })
final class BundleCommand {

  /** Packs a model; reads its input/output signature from the graph with ONNX Runtime. */
  static Manifest create(
      Path model, String name, long version, Map<String, String> metadata, Path out) {
    return create(model, name, version, metadata, null, out);
  }

  /**
   * Packs a model and, when {@code samples} is given, its sample inputs and expected outputs, after
   * running them on the model here: samples that do not hold are refused now rather than by every
   * device at install.
   */
  static Manifest create(
      Path model, String name, long version, Map<String, String> metadata, Path samples, Path out) {
    Samples read = null;
    if (samples != null) {
      try {
        read = BundleWriter.readSamples(samples);
      } catch (BundleException e) {
        throw new CommandFailedException("samples are not valid: " + e.getMessage());
      }
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(model);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read model " + model, e);
    }
    OnnxEngine.Signature signature;
    try (OnnxEngine engine = new OnnxEngine(EngineOptions.defaults())) {
      signature = engine.inspect(bytes);
      if (read != null) {
        check(engine, new ModelSource(name, version, bytes), read, samples);
      }
    } catch (EngineException e) {
      throw new CommandFailedException(
          model + " is not an ONNX model ONNX Runtime can load (" + e.getMessage() + ")");
    }
    return BundleWriter.create(
        new BundleWriter.Spec(
            name, version, model, signature.inputs(), signature.outputs(), metadata, null, samples),
        out,
        Clock.systemUTC());
  }

  private static void check(OnnxEngine engine, ModelSource model, Samples samples, Path file) {
    try (LoadedModel loaded = engine.load(model)) {
      SampleCheck.problem(loaded, samples)
          .ifPresent(
              problem -> {
                throw new CommandFailedException(
                    file
                        + " does not hold for the model: "
                        + problem
                        + ". A device would refuse this bundle at install; fix the samples or"
                        + " the model.");
              });
    }
  }

  @Command(
      name = "create",
      description = "Pack an ONNX model into a bundle; signs it too when --key is given.")
  static final class Create implements Runnable {
    /**
     * {@code -h/--help} by hand: {@code mixinStandardHelpOptions} would also bring {@code
     * --version}, which clashes with the model version option, and picocli then drops the help
     * option's meaning (so {@code --help} failed with "Missing required options").
     */
    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--model", required = true, description = "The .onnx file.")
    Path model;

    @Option(
        names = "--name",
        paramLabel = "NAME",
        required = true,
        description = "Model name (a-z 0-9 . _ -).")
    String name;

    @Option(names = "--version", required = true, description = "Model version (1, 2, ...).")
    long version;

    @Option(
        names = "--meta",
        paramLabel = "KEY=VALUE",
        description = "Free metadata key=value; repeatable.")
    Map<String, String> metadata = new LinkedHashMap<>();

    @Option(
        names = "--samples",
        paramLabel = "FILE",
        description =
            "Sample inputs and expected outputs (JSON, Open Inference Protocol tensors), run here"
                + " first and again by each device at install: they warm the model and refuse it"
                + " when it answers otherwise.")
    Path samples;

    @Option(names = "--key", description = "Sign with this private key (.key).")
    Path key;

    @Option(names = "--out", description = "Bundle file (default NAME-VERSION.vbundle).")
    Path out;

    @Option(names = "--force", description = "Replace the bundle file when it exists.")
    boolean force;

    @Mixin OutputOptions output;

    @Override
    public void run() {
      Path target = out == null ? Path.of(name + "-" + version + ".vbundle") : out;
      OutputFiles.requireReplaceable(target, force);
      Manifest manifest = create(model, name, version, metadata, samples, target);
      if (key != null) {
        BundleWriter.sign(target, Keys.readPrivate(key));
      }
      if (!output.printedJson(manifest)) {
        System.out.println(
            "Wrote "
                + target
                + (key == null ? " (unsigned: run 'verge bundle sign')" : " (signed)"));
        Inspect.print(
            manifest,
            samples == null ? null : BundleWriter.readSamples(samples),
            Digests.sha256Hex(target),
            null);
      }
    }
  }

  @Command(
      name = "sign",
      mixinStandardHelpOptions = true,
      description = "Sign a bundle with a publisher's private key (replaces any signature).")
  static final class Sign implements Runnable {
    @Parameters(paramLabel = "BUNDLE")
    Path bundle;

    @Option(names = "--key", required = true, description = "The private key (.key).")
    Path key;

    @Override
    public void run() {
      PublisherKey signer = BundleWriter.sign(bundle, Keys.readPrivate(key));
      System.out.println("Signed " + bundle + " with key " + signer.keyId());
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description =
          "Check a bundle as a device would: archive, file digests, a signature by a trusted"
              + " key, and its samples run on the model. Exits 1 naming the check that failed.")
  static final class Verify implements Runnable {
    @Parameters(paramLabel = "BUNDLE")
    Path bundle;

    @Option(
        names = "--trust",
        required = true,
        description = "Trusted publisher key (.pub) or folder of them; repeatable.")
    List<Path> trust;

    @Override
    public void run() {
      try (Bundle opened = Bundle.open(bundle)) {
        PublisherKey key = opened.verifySignature(TrustStore.load(trust));
        Manifest m = opened.manifest();
        String samples = "";
        Samples read = opened.samples().orElse(null);
        if (read != null) {
          runSamples(opened, read);
          int count = read.samples().size();
          samples =
              "; its "
                  + (count == 1 ? "sample answers" : count + " samples answer")
                  + " as expected";
        }
        System.out.println(
            "OK: "
                + m.name()
                + " v"
                + m.version()
                + " is intact and signed by trusted key "
                + key.keyId()
                + samples);
      }
    }

    /** Runs the samples as a device does at install. */
    private static void runSamples(Bundle opened, Samples samples) {
      Manifest m = opened.manifest();
      ModelSource source = new ModelSource(m.name(), m.version(), opened.readFile(m.entrypoint()));
      try (OnnxEngine engine = new OnnxEngine(EngineOptions.defaults());
          LoadedModel model = engine.load(source)) {
        SampleCheck.problem(model, samples)
            .ifPresent(
                problem -> {
                  throw new CommandFailedException(
                      "sample check failed: " + m.name() + " v" + m.version() + ", " + problem);
                });
      } catch (EngineException e) {
        throw new CommandFailedException(
            "model load failed: " + m.name() + " v" + m.version() + ": " + e.getMessage());
      }
    }
  }

  @Command(
      name = "inspect",
      mixinStandardHelpOptions = true,
      description = "Show a bundle's manifest (checks digests; does not check who signed it).")
  static final class Inspect implements Runnable {
    @Parameters(paramLabel = "BUNDLE")
    Path bundle;

    @Mixin OutputOptions output;

    @Override
    public void run() {
      try (Bundle opened = Bundle.open(bundle)) {
        Samples samples = opened.samples().orElse(null);
        if (output.printedJson(opened.manifest())) {
          return;
        }
        print(
            opened.manifest(),
            samples,
            Digests.sha256Hex(bundle),
            opened.signature().map(s -> s.keyId()).orElse(null));
      }
    }

    static void print(Manifest m, Samples samples, String digest, String signedBy) {
      System.out.println("Model:    " + m.name() + " v" + m.version());
      System.out.println("Format:   " + m.formatVersion() + ", runtime " + m.runtime());
      System.out.println("Digest:   sha256:" + digest);
      if (signedBy != null) {
        System.out.println("Signed:   by key " + signedBy + " (not verified here: use 'verify')");
      }
      System.out.println("Created:  " + m.createdAt());
      Table tensors = new Table("TENSOR", "NAME", "TYPE", "SHAPE");
      m.inputs().forEach(t -> tensors.row("input", t.name(), t.datatype(), t.shape()));
      m.outputs().forEach(t -> tensors.row("output", t.name(), t.datatype(), t.shape()));
      tensors.print(System.out);
      Table files = new Table("FILE", "SIZE", "SHA-256");
      m.files().forEach(f -> files.row(f.path(), f.size(), f.sha256()));
      files.print(System.out);
      if (!m.metadata().isEmpty()) {
        Table meta = new Table("METADATA", "VALUE");
        new java.util.TreeMap<>(m.metadata()).forEach(meta::row);
        meta.print(System.out);
      }
      if (samples == null) {
        System.out.println("Samples:  none (devices warm it on zeros, best effort; see --samples)");
        return;
      }
      int count = samples.samples().size();
      System.out.println(
          "Samples:  "
              + m.samples()
              + ", "
              + count
              + (count == 1 ? " sample" : " samples")
              + ", run and checked by each device at install");
      Table table = new Table("SAMPLE", "INPUTS", "EXPECTED OUTPUTS", "TOLERANCE");
      for (Sample sample : samples.samples()) {
        table.row(
            sample.id(),
            describe(sample.inputs()),
            sample.outputs().isEmpty() ? "(none: must run)" : describe(sample.outputs()),
            sample.outputs().isEmpty() ? "" : sample.tolerance());
      }
      table.print(System.out);
    }

    private static String describe(List<Tensor> tensors) {
      return tensors.stream()
          .map(t -> t.name() + " " + t.datatype() + " " + Arrays.toString(t.shape()))
          .collect(Collectors.joining(", "));
    }
  }
}
