package dev.switchboard.local;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a CloudFormation/SAM template. The short intrinsic tags ({@code !Ref X},
 * {@code !Sub "..."}, {@code !GetAtt A.B}, {@code !If [...]}) become the long JSON form
 * CloudFormation itself uses ({@code {"Ref": "X"}}, {@code {"Fn::Sub": "..."}}, ...), so the
 * rest of the runner sees one shape whichever form the template was written in.
 */
final class CfnYaml {
  private static final List<String> FUNCTIONS = List.of(
      "Base64", "Cidr", "Equals", "FindInMap", "GetAtt", "GetAZs", "If", "ImportValue", "Join",
      "Not", "And", "Or", "Select", "Split", "Sub", "Transform", "Length", "ToJsonString");

  private CfnYaml() {}

  static Map<String, Object> load(Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      Object root = new Yaml(new IntrinsicConstructor()).load(reader);
      if (!(root instanceof Map)) {
        throw new TemplateException(file + " is not a YAML mapping");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) root;
      return map;
    } catch (IOException e) {
      throw new TemplateException("cannot read " + file + ": " + e.getMessage());
    } catch (RuntimeException e) {
      if (e instanceof TemplateException) {
        throw e;
      }
      throw new TemplateException("cannot parse " + file + ": " + e.getMessage());
    }
  }

  private static final class IntrinsicConstructor extends SafeConstructor {
    IntrinsicConstructor() {
      super(loaderOptions());
      yamlConstructors.put(new Tag("!Ref"), new Intrinsic("Ref"));
      yamlConstructors.put(new Tag("!Condition"), new Intrinsic("Condition"));
      for (String name : FUNCTIONS) {
        yamlConstructors.put(new Tag("!" + name), new Intrinsic("Fn::" + name));
      }
    }

    private static LoaderOptions loaderOptions() {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      return options;
    }

    /** One tag: its node read as plain data under the long-form key. */
    private final class Intrinsic extends AbstractConstruct {
      private final String key;

      Intrinsic(String key) {
        this.key = key;
      }

      @Override
      public Object construct(Node node) {
        Object value;
        if (node instanceof ScalarNode scalar) {
          String text = constructScalar(scalar);
          // !GetAtt Resource.Attribute is the scalar form of ["Resource", "Attribute"]
          value = key.equals("Fn::GetAtt") ? Arrays.asList(text.split("\\.", 2)) : text;
        } else if (node instanceof SequenceNode sequence) {
          value = constructSequence(sequence);
        } else {
          value = constructMapping((MappingNode) node);
        }
        Map<String, Object> intrinsic = new LinkedHashMap<>();
        intrinsic.put(key, value);
        return intrinsic;
      }
    }
  }
}
