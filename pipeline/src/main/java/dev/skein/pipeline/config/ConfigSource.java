package dev.skein.pipeline.config;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the Collector's YAML: parses each document, substitutes {@code ${env:VAR}} and
 * {@code ${env:VAR:-default}} ({@code $$} stands for a literal {@code $}), and merges several
 * documents in order (maps merge key by key, anything else is replaced by the later document).
 */
public final class ConfigSource {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern REF = Pattern.compile("\\$\\$|\\$\\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  private ConfigSource() {}

  /** Reads and merges {@code files} in order, resolving variables from the process environment. */
  public static ObjectNode load(List<Path> files) throws ConfigException {
    return load(files, System::getenv);
  }

  /** Reads and merges {@code files}, resolving variables with {@code env}. */
  public static ObjectNode load(List<Path> files, Function<String, String> env) throws ConfigException {
    requireNonNull(files, "files");
    List<String> errors = new ArrayList<>();
    ObjectNode merged = JsonNodeFactory.instance.objectNode();
    for (Path file : files) {
      String text;
      try {
        text = Files.readString(file);
      } catch (NoSuchFileException e) {
        errors.add(file + ": no such file");
        continue;
      } catch (IOException e) {
        errors.add(file + ": cannot be read: " + e.getMessage());
        continue;
      }
      try {
        merge(merged, parse(text, env));
      } catch (ConfigException e) {
        e.errors().forEach(msg -> errors.add(file + ": " + msg));
      }
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return merged;
  }

  /** Parses one YAML document and substitutes variables. */
  public static ObjectNode parse(String yaml, Function<String, String> env) throws ConfigException {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? ""
          : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": ";
      throw new ConfigException(List.of(where + "invalid YAML: " + e.getOriginalMessage()));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (!root.isObject()) {
      throw new ConfigException(List.of("the document is a " + root.getNodeType().name().toLowerCase()
          + " (expected: a map with receivers, processors, exporters, connectors, extensions and service)"));
    }
    return (ObjectNode) substitute(root, env);
  }

  private static JsonNode substitute(JsonNode node, Function<String, String> env) {
    if (node.isTextual()) {
      String s = node.textValue();
      return s.indexOf('$') < 0 ? node : TextNode.valueOf(expand(s, env));
    }
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        e.setValue(substitute(e.getValue(), env));
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        ((com.fasterxml.jackson.databind.node.ArrayNode) node).set(i, substitute(node.get(i), env));
      }
    }
    return node;
  }

  static String expand(String s, Function<String, String> env) {
    Matcher m = REF.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group().equals("$$")) {
        replacement = "$";
      } else {
        String value = env.apply(m.group(1));
        replacement = value != null && !value.isEmpty() ? value : m.group(2) != null ? m.group(2) : "";
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Lays {@code over} onto {@code base}: maps merge recursively, other values are replaced. */
  static void merge(ObjectNode base, ObjectNode over) {
    over.fields().forEachRemaining(e -> {
      JsonNode existing = base.get(e.getKey());
      if (existing != null && existing.isObject() && e.getValue().isObject()) {
        merge((ObjectNode) existing, (ObjectNode) e.getValue());
      } else {
        base.set(e.getKey(), e.getValue());
      }
    });
  }
}
