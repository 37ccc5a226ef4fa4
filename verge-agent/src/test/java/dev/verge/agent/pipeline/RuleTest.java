package dev.verge.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RuleTest {
  @Test
  void parses_comparisons_joined_with_and() {
    List<Rule.Comparison> when = Rule.parse("output[1] > 0.8 and score <= -1.5e1");

    assertThat(when)
        .containsExactly(
            new Rule.Comparison("output", 1, Rule.Operator.GT, 0.8),
            new Rule.Comparison("score", 0, Rule.Operator.LE, -15));
    assertThat(when.get(0).holds(0.81)).isTrue();
    assertThat(when.get(0).holds(0.8)).isFalse();
  }

  @Test
  void a_rule_without_a_name_is_named_by_its_condition() {
    Rule rule =
        new Rule(
            null, Rule.parse("output[1]>=0.5"), List.of(new Action.RaiseEvent(null, null)), null);

    assertThat(rule.name()).isEqualTo("output[1] >= 0.5");
    assertThat(((Action.RaiseEvent) rule.actions().getFirst()).severity()).isEqualTo("warning");
  }

  @Test
  void what_is_not_a_comparison_is_refused_saying_what_one_looks_like() {
    assertThatThrownBy(() -> Rule.parse("output[1] > high"))
        .hasMessageContaining("'output[1] > high' is not a comparison such as 'output[1] > 0.8'");
    assertThatThrownBy(() -> Rule.parse("output[1] => 0.8")).hasMessageContaining("=> 0.8");
  }
}
