package dev.verge.cli.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TableTest {
  @Test
  void columns_are_as_wide_as_their_widest_cell_and_two_spaces_apart() {
    Table table = new Table("ID", "NAME", "STATE").row(1, "pump-line-3", "ACTIVE").row(12, "x", 7);

    assertThat(table.render())
        .isEqualTo(
            """
            ID  NAME         STATE
            --  -----------  ------
            1   pump-line-3  ACTIVE
            12  x            7
            """);
  }

  @Test
  void a_null_cell_prints_as_a_dash() {
    Table table = new Table("DEVICE", "ERROR").row("d-1", null);

    assertThat(table.render().lines()).last().isEqualTo("d-1     -");
  }

  @Test
  void lines_have_no_trailing_spaces() {
    Table table = new Table("A", "LONG HEADER").row("wide cell", "");

    assertThat(table.render().lines()).allSatisfy(line -> assertThat(line).doesNotEndWith(" "));
    assertThat(table.render().lines()).last().isEqualTo("wide cell");
  }

  @Test
  void a_table_without_rows_prints_headers_and_rule() {
    assertThat(new Table("MODEL", "VERSION").render())
        .isEqualTo("MODEL  VERSION\n-----  -------\n");
  }

  @Test
  void a_row_with_the_wrong_number_of_cells_is_refused() {
    Table table = new Table("A", "B");

    assertThatThrownBy(() -> table.row("only one"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("row has 1 cells, table has 2 columns");
    assertThatThrownBy(() -> table.row(1, 2, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("row has 3 cells, table has 2 columns");
  }

  @Test
  void print_writes_the_rendered_table() {
    Table table = new Table("K", "V").row("a", 1);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    table.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(table.render());
  }
}
