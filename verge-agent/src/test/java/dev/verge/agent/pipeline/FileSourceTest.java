package dev.verge.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File and folder sources: each line read once, across restarts, and never before commit. */
class FileSourceTest {
  @TempDir Path dir;
  PipelineStore store;

  @BeforeEach
  void open() {
    store = PipelineStore.open(dir.resolve("pipelines.db"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private FileSource source(Path path) {
    return new FileSource("p", new Source.Files(path, null), store);
  }

  private static List<Double> temperatures(SourceReader.Batch batch) {
    return batch.readings().stream().map(r -> r.number("temperature")).toList();
  }

  @Test
  void a_followed_csv_file_gives_only_complete_new_lines_and_resumes_after_a_restart()
      throws Exception {
    Path file = dir.resolve("readings.csv");
    Files.writeString(file, "temperature,vibration\n60,3\n61,4\n62,");

    SourceReader.Batch first = source(file).read(100);
    assertThat(temperatures(first)).containsExactly(60.0, 61.0);
    assertThat(first.readings().getFirst().origin()).isEqualTo("readings.csv:2");
    // Not committed (the predictions were not written): the same lines come again.
    assertThat(temperatures(source(file).read(100))).containsExactly(60.0, 61.0);
    first.commit().run();

    Files.writeString(file, "5\n63,6\n", StandardOpenOption.APPEND);
    store.close();
    store = PipelineStore.open(dir.resolve("pipelines.db")); // A restart.
    SourceReader.Batch second = source(file).read(100);

    assertThat(temperatures(second)).containsExactly(62.0, 63.0);
    assertThat(second.readings().getFirst().number("vibration")).isEqualTo(5.0);
    second.commit().run();
    assertThat(source(file).read(100).readings()).isEmpty();
  }

  @Test
  void a_file_that_shrank_is_read_again_from_its_start() throws Exception {
    Path file = dir.resolve("readings.jsonl");
    Files.writeString(file, "{\"temperature\": 1}\n{\"temperature\": 2}\n");
    source(file).read(100).commit().run();

    Files.writeString(file, "{\"temperature\": 9}\n");

    assertThat(temperatures(source(file).read(100))).containsExactly(9.0);
  }

  @Test
  void a_folder_s_files_are_read_once_in_name_order_then_moved_to_done() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("inbox"));
    Files.writeString(folder.resolve("b.csv"), "temperature\n2\n");
    Files.writeString(folder.resolve("a.jsonl"), "{\"temperature\": 1}");
    Files.writeString(folder.resolve("c.csv.part"), "temperature\n3\n");
    FileSource source = source(folder);

    SourceReader.Batch a = source.read(100);
    assertThat(temperatures(a)).containsExactly(1.0); // The last line needs no newline.
    a.commit().run();
    SourceReader.Batch b = source.read(100);
    assertThat(temperatures(b)).containsExactly(2.0);
    b.commit().run();

    assertThat(source.read(100).readings()).isEmpty();
    assertThat(Files.list(folder.resolve(FileSource.DONE)).map(p -> p.getFileName().toString()))
        .containsExactlyInAnyOrder("a.jsonl", "b.csv");
    assertThat(folder.resolve("c.csv.part")).exists();
  }

  @Test
  void a_large_folder_file_is_read_across_cycles_from_where_the_last_one_committed()
      throws Exception {
    Path folder = Files.createDirectories(dir.resolve("inbox"));
    Files.writeString(folder.resolve("big.csv"), "temperature\n1\n2\n3\n4\n5\n");

    SourceReader.Batch first = source(folder).read(2);
    first.commit().run();
    store.close();
    store = PipelineStore.open(dir.resolve("pipelines.db"));
    SourceReader.Batch second = source(folder).read(2);
    second.commit().run();
    SourceReader.Batch third = source(folder).read(2);
    third.commit().run();

    assertThat(temperatures(first)).containsExactly(1.0, 2.0);
    assertThat(temperatures(second)).containsExactly(3.0, 4.0);
    assertThat(temperatures(third)).containsExactly(5.0);
    assertThat(folder.resolve("done/big.csv")).exists();
  }

  @Test
  void a_file_marked_done_but_not_moved_before_a_crash_is_moved_not_read_again() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("inbox"));
    Path file = folder.resolve("a.csv");
    Files.writeString(file, "temperature\n1\n");
    store.savePosition("p", file, Files.size(file), true);

    assertThat(source(folder).read(100).readings()).isEmpty();
    assertThat(folder.resolve("done/a.csv")).exists();
  }

  @Test
  void bad_lines_are_refused_by_place_and_the_rest_is_read() throws Exception {
    Path file = dir.resolve("readings.jsonl");
    Files.writeString(
        file,
        "{\"temperature\": 1}\nnot json\n[1, 2]\n"
            + "{\"temperature\": \""
            + "x".repeat(Lines.MAX_LINE_BYTES)
            + "\"}\n{\"temperature\": 2}\n");

    SourceReader.Batch batch = source(file).read(100);

    assertThat(temperatures(batch)).containsExactly(1.0, 2.0);
    assertThat(batch.rejected())
        .hasSize(3)
        .anySatisfy(r -> assertThat(r).startsWith("readings.jsonl:2 is not valid JSON"))
        .anySatisfy(r -> assertThat(r).isEqualTo("readings.jsonl:3 is not a JSON object"))
        .anySatisfy(r -> assertThat(r).contains("readings.jsonl:4 is longer than"));
  }
}
