package dev.verge.core.select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.select.Selector.Operator;
import dev.verge.core.select.Selector.Requirement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SelectorTest {
  private static final Map<String, String> PLANT_7_A =
      Map.of("site", "plant-7", "tier", "a", "line", "3");
  private static final Map<String, String> PLANT_9 = Map.of("site", "plant-9", "tier", "c");
  private static final Map<String, String> BARE = Map.of();

  @Test
  void equality_needs_the_label_with_that_value() {
    Selector selector = Selector.parse("site=plant-7");

    assertThat(selector.matches(PLANT_7_A)).isTrue();
    assertThat(selector.matches(PLANT_9)).isFalse();
    assertThat(selector.matches(BARE)).isFalse();
    assertThat(Selector.parse("site==plant-7")).isEqualTo(selector);
  }

  @Test
  void inequality_holds_for_other_values_and_for_a_missing_label() {
    Selector selector = Selector.parse("site!=plant-7");

    assertThat(selector.matches(PLANT_7_A)).isFalse();
    assertThat(selector.matches(PLANT_9)).isTrue();
    assertThat(selector.matches(BARE)).isTrue();
  }

  @Test
  void in_needs_the_label_with_one_of_the_values() {
    Selector selector = Selector.parse("tier in (a,b)");

    assertThat(selector.matches(PLANT_7_A)).isTrue();
    assertThat(selector.matches(Map.of("tier", "b"))).isTrue();
    assertThat(selector.matches(PLANT_9)).isFalse();
    assertThat(selector.matches(BARE)).isFalse();
  }

  @Test
  void notin_holds_for_other_values_and_for_a_missing_label() {
    Selector selector = Selector.parse("tier notin (a,b)");

    assertThat(selector.matches(PLANT_7_A)).isFalse();
    assertThat(selector.matches(PLANT_9)).isTrue();
    assertThat(selector.matches(BARE)).isTrue();
  }

  @Test
  void a_bare_key_needs_the_label_and_a_negated_key_its_absence() {
    assertThat(Selector.parse("line").matches(PLANT_7_A)).isTrue();
    assertThat(Selector.parse("line").matches(PLANT_9)).isFalse();
    assertThat(Selector.parse("!line").matches(PLANT_7_A)).isFalse();
    assertThat(Selector.parse("!line").matches(PLANT_9)).isTrue();
    assertThat(Selector.parse("line").matches(Map.of("line", ""))).isTrue();
  }

  @Test
  void every_requirement_must_hold() {
    Selector selector = Selector.parse("site=plant-7,tier in (a,b),line,!retired");

    assertThat(selector.matches(PLANT_7_A)).isTrue();
    assertThat(selector.matches(Map.of("site", "plant-7", "tier", "a"))).isFalse();
    assertThat(
            selector.matches(Map.of("site", "plant-7", "tier", "a", "line", "1", "retired", "y")))
        .isFalse();
  }

  @Test
  void the_empty_selector_matches_every_device() {
    for (String text : new String[] {"", "   ", null}) {
      Selector selector = Selector.parse(text);
      assertThat(selector.isEmpty()).isTrue();
      assertThat(selector.matches(PLANT_7_A)).isTrue();
      assertThat(selector.matches(BARE)).isTrue();
      assertThat(selector.matches(null)).isTrue();
      assertThat(selector.toString()).isEmpty();
    }
    assertThat(Selector.ofPairs(Map.of())).isEqualTo(Selector.everything());
  }

  @Test
  void tolerates_whitespace_around_every_token() {
    Selector spaced = Selector.parse("  site = plant-7 ,tier   in(  a , b ) ,  ! retired , line ");

    assertThat(spaced).isEqualTo(Selector.parse("site=plant-7,tier in (a,b),!retired,line"));
    assertThat(spaced.toString()).isEqualTo("line,!retired,site=plant-7,tier in (a,b)");
  }

  @Test
  void canonical_form_is_sorted_deduplicated_and_stable() {
    Selector selector =
        Selector.parse("tier in (b,a,b), site==plant-7, !retired, site=plant-7, zone notin (y,x)");

    assertThat(selector.toString())
        .isEqualTo("!retired,site=plant-7,tier in (a,b),zone notin (x,y)");
    assertThat(Selector.parse(selector.toString())).isEqualTo(selector);
    assertThat(Selector.parse(selector.toString()).toString()).isEqualTo(selector.toString());
    assertThat(selector.hashCode())
        .isEqualTo(
            Selector.parse("zone notin (x,y),tier in (a,b),site=plant-7,!retired").hashCode());
  }

  @Test
  void canonical_form_orders_requirements_on_one_key_by_operator() {
    Selector selector = Selector.parse("k notin (x,y), !k, k in (a,b), k!=c, k=d, k");

    assertThat(selector.toString()).isEqualTo("k=d,k!=c,k in (a,b),k notin (x,y),k,!k");
    assertThat(selector.requirements())
        .extracting(Requirement::operator)
        .containsExactly(
            Operator.EQUALS,
            Operator.NOT_EQUALS,
            Operator.IN,
            Operator.NOT_IN,
            Operator.EXISTS,
            Operator.NOT_EXISTS);
  }

  @Test
  void a_one_value_set_is_written_as_an_equality() {
    assertThat(Selector.parse("tier in (a)")).isEqualTo(Selector.parse("tier=a"));
    assertThat(Selector.parse("tier notin (a)").toString()).isEqualTo("tier!=a");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "site=plant-7",
        "site!=plant-7",
        "tier in (a,b)",
        "tier notin (a,b)",
        "line",
        "!line",
        "a.b/c_d-e=v.1:2/x_y-z",
        "empty=",
        "empty!=",
        "site=plant-7,tier in (a,b)"
      })
  void canonical_text_reads_back_to_the_same_selector(String text) {
    Selector selector = Selector.parse(text);

    assertThat(selector.toString()).isEqualTo(text);
    assertThat(Selector.parse(selector.toString())).isEqualTo(selector);
  }

  @Test
  void an_empty_value_means_the_label_is_present_and_empty() {
    Selector selector = Selector.parse("note=");

    assertThat(selector.matches(Map.of("note", ""))).isTrue();
    assertThat(selector.matches(Map.of("note", "x"))).isFalse();
    assertThat(selector.matches(BARE)).isFalse();
  }

  @Test
  void of_pairs_reads_the_old_equality_maps() {
    Map<String, String> pairs = new LinkedHashMap<>();
    pairs.put("tier", "a");
    pairs.put("site", "plant-7");

    Selector selector = Selector.ofPairs(pairs);

    assertThat(selector.toString()).isEqualTo("site=plant-7,tier=a");
    assertThat(selector).isEqualTo(Selector.parse("tier=a,site=plant-7"));
    assertThat(selector.matches(PLANT_7_A)).isTrue();
    assertThat(selector.matches(PLANT_9)).isFalse();
  }

  @Test
  void of_pairs_refuses_what_a_selector_cannot_say() {
    assertThatThrownBy(() -> Selector.ofPairs(Map.of("-bad", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key '-bad' must be 1-63");
    assertThatThrownBy(() -> Selector.ofPairs(Map.of("site", "plant 7")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("value 'plant 7' of 'site' cannot hold whitespace");
  }

  @Test
  void requirements_can_be_built_in_code() {
    Selector selector =
        Selector.of(
            List.of(
                new Requirement("tier", Operator.IN, new TreeSet<>(List.of("b", "a"))),
                new Requirement("retired", Operator.NOT_EXISTS, null)));

    assertThat(selector.toString()).isEqualTo("!retired,tier in (a,b)");
    assertThatThrownBy(() -> new Requirement("tier", Operator.EQUALS, new TreeSet<>()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot take 0 values with EQUALS");
    assertThatThrownBy(() -> new Requirement("tier", Operator.EXISTS, new TreeSet<>(List.of("a"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot take 1 values with EXISTS");
  }

  @Test
  void accepts_keys_and_values_at_their_longest() {
    String key = "k" + "x".repeat(62);
    String value = "v".repeat(255);

    assertThat(Selector.parse(key + "=" + value).matches(Map.of(key, value))).isTrue();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        // selector | requirement named | position | problem
        "site=plant-7,tier in (a,b | 2 'tier in (a,b' | 26 | expected ')' to close the set, found the end",
        "site=plant-7, | 2 '' | 14 | expected a requirement after ',', found the end",
        ",site=a | 1 '' | 1 | expected a label key, found ','",
        "site=a,,tier=b | 2 '' | 8 | expected a label key, found ','",
        "site=a tier=b | 1 'site=a tier=b' | 8 | expected ',' before the next requirement, found 't'",
        "site=a=b | 1 'site=a=b' | 7 | expected ',' before the next requirement, found '='",
        "tier inside (a) | 1 'tier inside (a)' | 6 | after key 'tier', found 'inside'",
        "tier in a,b | 1 'tier in a' | 9 | expected '(' after 'tier in'",
        "tier in () | 1 'tier in ()' | 10 | expected a value in the set, found ')'",
        "tier in (a,,b) | 1 'tier in (a,,b)' | 12 | expected a value in the set, found ','",
        "tier in (a b) | 1 'tier in (a b)' | 12 | expected ',' or ')' in the set, found 'b'",
        "tier notin (a | 1 'tier notin (a' | 14 | expected ')' to close the set, found the end",
        "!site=a | 1 '!site=a' | 6 | '!site' takes no operator or value",
        "! | 1 '!' | 2 | expected a label key, found the end",
        "=a | 1 '=a' | 1 | expected a label key, found '='",
        "-site=a | 1 '-site=a' | 1 | key '-site' must be 1-63 letters",
        "site>3 | 1 'site>3' | 5 | after key 'site', found '>'",
        "sité=a | 1 'sité=a' | 4 | after key 'sit', found 'é'",
      })
  void names_the_requirement_and_position_it_cannot_read(
      String selector, String requirement, int position, String problem) {
    assertThatThrownBy(() -> Selector.parse(selector))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requirement " + requirement)
        .hasMessageContaining("at position " + position + ": ")
        .hasMessageContaining(problem);
  }

  @Test
  void refuses_keys_and_values_that_are_too_long() {
    String longKey = "k".repeat(64);
    assertThatThrownBy(() -> Selector.parse("site=a," + longKey + "=b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requirement 2")
        .hasMessageContaining("at position 8")
        .hasMessageContaining("must be 1-63 letters");
    assertThatThrownBy(() -> Selector.parse("site=" + "v".repeat(256)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at position 6")
        .hasMessageContaining("value of 'site' must be a string of at most 255 characters");
  }

  @Test
  void refuses_overlong_text_before_reading_it() {
    String text = "k=v,".repeat(Selector.MAX_LENGTH / 4) + "k=v";

    assertThatThrownBy(() -> Selector.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most " + Selector.MAX_LENGTH);
  }
}
