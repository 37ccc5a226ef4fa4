package dev.verge.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NativeLibrariesTest {

  @Test
  void onnx_runtime_loads_from_the_unpacked_cache_not_a_new_temporary_folder() {
    new OnnxEngine(EngineOptions.defaults()).close();

    String configured = System.getProperty(NativeLibraries.PATH_PROPERTY);
    assertThat(configured).isNotNull();
    Path folder = Path.of(configured);
    assertThat(folder).startsWith(NativeLibraries.cacheRoot());
    try (var files = Files.list(folder)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .anyMatch(name -> name.contains("onnxruntime4j_jni"))
          .noneMatch(name -> name.endsWith(".part"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void names_this_platform_as_onnx_runtime_does() {
    assertThat(NativeLibraries.platform()).isPresent();
    assertThat(NativeLibraries.platform().get()).matches("(linux|osx|win)-(x64|aarch64)");
  }
}
