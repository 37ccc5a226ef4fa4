package dev.verge.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {
  @Test
  void sorts_keys_and_drops_white_space() {
    assertThat(canonical("{ \"b\" : 1,\n  \"a\" : \"x\" }")).isEqualTo("{\"a\":\"x\",\"b\":1}");
  }

  @Test
  void same_content_gives_same_bytes_whatever_the_layout() {
    String compact = "{\"name\":\"pump\",\"files\":[{\"path\":\"m\",\"size\":3}],\"version\":2}";
    String pretty =
        """
        {
          "version" : 2,
          "files" : [ {
            "size" : 3,
            "path" : "m"
          } ],
          "name" : "pump"
        }
        """;

    assertThat(CanonicalJson.bytes(Json.tree(pretty.getBytes(StandardCharsets.UTF_8))))
        .isEqualTo(CanonicalJson.bytes(Json.tree(compact.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void sorts_nested_objects_and_keeps_array_order() {
    assertThat(canonical("{\"z\":{\"y\":[3,1,{\"d\":true,\"c\":null}],\"x\":{}},\"a\":[]}"))
        .isEqualTo("{\"a\":[],\"z\":{\"x\":{},\"y\":[3,1,{\"c\":null,\"d\":true}]}}");
  }

  @Test
  void sorts_keys_by_code_point() {
    assertThat(canonical("{\"b\":1,\"B\":2,\"a\":3,\"_\":4,\"10\":5,\"9\":6}"))
        .isEqualTo("{\"10\":5,\"9\":6,\"B\":2,\"_\":4,\"a\":3,\"b\":1}");
  }

  @Test
  void keeps_unicode_as_utf8() {
    String text = "{\"name\":\"Pumpe Süd – 東京\"}";

    byte[] bytes = CanonicalJson.bytes(Json.tree(text.getBytes(StandardCharsets.UTF_8)));

    assertThat(bytes).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void escaped_and_literal_unicode_are_the_same_content() {
    assertThat(canonical("{\"k\":\"\\u00fc\\u6771\"}")).isEqualTo(canonical("{\"k\":\"ü東\"}"));
  }

  @Test
  void writes_characters_beyond_the_basic_plane_one_way_however_they_came() {
    // Jackson escapes surrogate pairs rather than writing 4-byte UTF-8; what matters for
    // signatures is that the spelling is fixed.
    String literal = canonical("{\"tap\":\"🚰\"}");

    assertThat(literal).isEqualTo(canonical("{\"tap\":\"\\ud83d\\udeb0\"}"));
    assertThat(literal).isEqualTo("{\"tap\":\"\\uD83D\\uDEB0\"}");
  }

  @Test
  void canonicalises_java_values_like_their_json() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("zeta", List.of(1, 2));
    value.put("alpha", Map.of("n", "v"));

    assertThat(new String(CanonicalJson.bytes(value), StandardCharsets.UTF_8))
        .isEqualTo("{\"alpha\":{\"n\":\"v\"},\"zeta\":[1,2]}");
  }

  @Test
  void writes_numbers_and_literals_unchanged() {
    assertThat(canonical("{\"i\":-12,\"big\":12345678901234567890,\"t\":true,\"n\":null}"))
        .isEqualTo("{\"big\":12345678901234567890,\"i\":-12,\"n\":null,\"t\":true}");
  }

  private static String canonical(String json) {
    return new String(
        CanonicalJson.bytes(Json.tree(json.getBytes(StandardCharsets.UTF_8))),
        StandardCharsets.UTF_8);
  }
}
