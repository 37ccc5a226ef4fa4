package dev.verge.cli.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A hub or agent configuration file, in YAML: one top-level section ({@code hub:} or {@code
 * agent:}) that maps setting names to a value, a list of values, or (labels) a mapping of key-value
 * pairs. Every entry keeps the line it was written on, so that a bad value can be named by file and
 * line. Jackson's YAML parser reports the line of every token, which is why this reads the token
 * stream rather than a tree.
 *
 * @param path the file as given
 * @param section the top-level key: {@code hub} or {@code agent}
 * @param entries the section's settings, in file order
 */
public record ConfigFile(
    Path path, String section, Map<String, Entry> entries, Map<String, ConfigTree> trees) {
  /** Larger is not a configuration file; refusing it keeps the read bounded. */
  static final int MAX_BYTES = 1024 * 1024;

  static final Set<String> SECTIONS = Set.of("hub", "agent");

  /** Keys whose value is a nested structure, kept whole as a {@link ConfigTree}. */
  static final Set<String> TREE_KEYS = Set.of("pipelines");

  /** Deeper nesting is not a configuration; refusing it keeps the parse bounded. */
  static final int MAX_DEPTH = 16;

  /**
   * One setting as written.
   *
   * @param items its value or values as text; {@code key=value} for a mapping
   * @param line the line of its key
   * @param shape how it was written
   */
  public record Entry(List<String> items, int line, Setting.Shape shape) {
    public Entry {
      items = List.copyOf(items);
    }
  }

  public ConfigFile {
    entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    trees = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(trees));
  }

  /** A file of plain settings only. */
  public ConfigFile(Path path, String section, Map<String, Entry> entries) {
    this(path, section, entries, Map.of());
  }

  /**
   * Reads {@code path}.
   *
   * @throws ConfigException naming the file and line of the first problem
   */
  public static ConfigFile read(Path path) {
    String text = readText(path);
    try (JsonParser parser = new YAMLFactory().createParser(text)) {
      return parse(path, parser);
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      throw problem(path, line, "is not valid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ConfigException("cannot read the configuration file " + path + ": " + e);
    }
  }

  private static ConfigFile parse(Path path, JsonParser parser) throws IOException {
    JsonToken token = parser.nextToken();
    if (token == null) {
      throw problem(path, 1, "is empty; it needs a top-level 'hub:' or 'agent:' section");
    }
    if (token != JsonToken.START_OBJECT) {
      throw problem(path, line(parser), "needs a top-level 'hub:' or 'agent:' section");
    }
    String section = null;
    Map<String, Entry> entries = new LinkedHashMap<>();
    Map<String, ConfigTree> trees = new LinkedHashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      int line = line(parser);
      if (!SECTIONS.contains(name)) {
        throw problem(
            path, line, "has the top-level key '" + name + "'; expected 'hub:' or 'agent:'");
      }
      if (section != null) {
        throw problem(
            path,
            line,
            "has both '" + section + ":' and '" + name + ":'; use one file per program");
      }
      section = name;
      JsonToken value = parser.nextToken();
      if (value == JsonToken.VALUE_NULL) {
        continue;
      }
      if (value != JsonToken.START_OBJECT) {
        throw problem(path, line, "'" + name + ":' must hold settings, one 'name: value' a line");
      }
      readSection(path, parser, section, entries, trees);
    }
    if (parser.nextToken() != null) {
      throw problem(path, line(parser), "holds more than one YAML document");
    }
    return new ConfigFile(path, section, entries, trees);
  }

  private static void readSection(
      Path path,
      JsonParser parser,
      String section,
      Map<String, Entry> entries,
      Map<String, ConfigTree> trees)
      throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      int line = line(parser);
      if (TREE_KEYS.contains(key) && section.equals("agent")) {
        if (trees.containsKey(key)) {
          throw problem(
              path,
              line,
              section + "." + key + " is set twice (first on line " + trees.get(key).line() + ")");
        }
        parser.nextToken();
        trees.put(key, tree(path, parser, section + "." + key, 0, line));
        continue;
      }
      Entry previous = entries.get(key);
      if (previous != null) {
        throw problem(
            path,
            line,
            section + "." + key + " is set twice (first on line " + previous.line() + ")");
      }
      JsonToken value = parser.nextToken();
      String where = section + "." + key;
      Entry entry =
          switch (value) {
            case START_ARRAY -> new Entry(sequence(path, parser, where), line, Setting.Shape.LIST);
            case START_OBJECT -> new Entry(mapping(path, parser, where), line, Setting.Shape.MAP);
            case VALUE_NULL ->
                throw problem(
                    path, line, where + " has no value (remove the line to use the default)");
            default -> new Entry(List.of(parser.getText()), line, Setting.Shape.ONE);
          };
      entries.put(key, entry);
    }
  }

  private static List<String> sequence(Path path, JsonParser parser, String where)
      throws IOException {
    List<String> items = new ArrayList<>();
    for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
      if (!t.isScalarValue() || t == JsonToken.VALUE_NULL) {
        throw problem(path, line(parser), where + " may only list plain values");
      }
      items.add(parser.getText());
    }
    return items;
  }

  private static List<String> mapping(Path path, JsonParser parser, String where)
      throws IOException {
    List<String> items = new ArrayList<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      JsonToken t = parser.nextToken();
      if (!t.isScalarValue() || t == JsonToken.VALUE_NULL) {
        throw problem(path, line(parser), where + "." + key + " must be a plain value");
      }
      items.add(key + "=" + parser.getText());
    }
    return items;
  }

  /**
   * The value at the parser's current token, whole, with lines: a mapping's value takes its key's
   * line ({@code keyLine}, 0 for a list item), where a reader looks for it.
   */
  private static ConfigTree tree(Path path, JsonParser parser, String where, int depth, int keyLine)
      throws IOException {
    int line = keyLine > 0 ? keyLine : line(parser);
    if (depth > MAX_DEPTH) {
      throw problem(path, line, where + " is nested deeper than " + MAX_DEPTH + " levels");
    }
    JsonToken token = parser.currentToken();
    if (token == JsonToken.START_ARRAY) {
      List<ConfigTree> items = new ArrayList<>();
      for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
        items.add(tree(path, parser, where + "[" + items.size() + "]", depth + 1, 0));
      }
      return new ConfigTree.Sequence(items, line);
    }
    if (token == JsonToken.START_OBJECT) {
      Map<String, ConfigTree> entries = new LinkedHashMap<>();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        int entryLine = line(parser);
        if (entries.containsKey(key)) {
          throw problem(
              path,
              entryLine,
              where + "." + key + " is set twice (first on line " + entries.get(key).line() + ")");
        }
        parser.nextToken();
        entries.put(key, tree(path, parser, where + "." + key, depth + 1, entryLine));
      }
      return new ConfigTree.Mapping(entries, line);
    }
    if (token == JsonToken.VALUE_NULL) {
      throw problem(path, line, where + " has no value");
    }
    return new ConfigTree.Scalar(parser.getText(), line);
  }

  private static int line(JsonParser parser) {
    return parser.currentTokenLocation().getLineNr();
  }

  /** The file as UTF-8 text, refused beyond {@link #MAX_BYTES} before it is read whole. */
  private static String readText(Path path) {
    try (InputStream in = Files.newInputStream(path)) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new ConfigException(
            "the configuration file " + path + " is larger than " + MAX_BYTES + " bytes");
      }
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (NoSuchFileException e) {
      throw new ConfigException("the configuration file " + path + " does not exist");
    } catch (CharacterCodingException e) {
      throw new ConfigException("the configuration file " + path + " is not UTF-8 text");
    } catch (IOException e) {
      throw new ConfigException("cannot read the configuration file " + path + ": " + e);
    }
  }

  private static ConfigException problem(Path path, int line, String message) {
    return new ConfigException(path + (line > 0 ? ":" + line : "") + ": " + message);
  }
}
