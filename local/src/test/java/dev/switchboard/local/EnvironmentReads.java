package dev.switchboard.local;

import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberReferenceTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The environment variables some code reads, found by compiling its sources with javac and
 * following, on the attributed trees, every name that reaches a read of the environment: a
 * {@code System.getenv(name)}, or a lookup in {@code Settings}' environment map (which every
 * {@code settings.get/require/getOrDefault/requireLong/refresh}, every {@code Credential} and
 * {@code <NAME>_SECRET_ID} goes through). A name is a compile-time constant; a parameter that
 * carries one is followed to every call that passes it, and a field to the parameter that set
 * it. {@code name + "_SECRET_ID"} is the pattern {@code <NAME>_SECRET_ID}. Anything else that
 * reaches a read is reported as unresolved, never skipped, so a new way of reading a variable
 * makes the test that uses this fail until this class understands it.
 */
final class EnvironmentReads {
  static final String SETTINGS = "dev.switchboard.config.Settings";

  /** What was found: the names read, and the reads whose name could not be told. */
  record Found(Set<String> names, List<String> unresolved) {}

  /** One method or constructor parameter whose value is used as a variable's name. */
  private record NameParameter(ExecutableElement method, int index) {}

  /** A call, the method or constructor it calls, and where it is. */
  private record Call(ExecutableElement callee, List<? extends ExpressionTree> arguments, TreePath path) {}

  private final Trees trees;
  private final List<Call> calls = new ArrayList<>();
  private final List<TreePath> reads = new ArrayList<>();
  private final List<TreePath> references = new ArrayList<>();
  private final List<TreePath> assignments = new ArrayList<>();

  private EnvironmentReads(Trees trees) {
    this.trees = trees;
  }

  /** Compiles every {@code .java} file under {@code sourceRoots} against this JVM's class path, and follows the names. */
  static Found in(List<Path> sourceRoots) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("no Java compiler in this JVM: run the tests on a JDK");
    }
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      List<Path> sources = new ArrayList<>();
      for (Path root : sourceRoots) {
        try (Stream<Path> walk = Files.walk(root)) {
          walk.filter(p -> p.toString().endsWith(".java")).forEach(sources::add);
        }
      }
      JavacTask task = (JavacTask) javac.getTask(null, files, diagnostics,
          List.of("-proc:none", "-classpath", System.getProperty("java.class.path")), null,
          files.getJavaFileObjectsFromPaths(sources));
      Iterable<? extends CompilationUnitTree> units = task.parse();
      task.analyze();
      List<String> errors = diagnostics.getDiagnostics().stream()
          .filter(d -> d.getKind() == Diagnostic.Kind.ERROR).map(d -> d.toString()).toList();
      if (!errors.isEmpty()) {
        // a type that does not resolve could hide a read: the module's dependencies belong on the class path
        throw new IllegalStateException("the sources do not compile on this class path:\n" + String.join("\n", errors));
      }
      EnvironmentReads found = new EnvironmentReads(Trees.instance(task));
      for (CompilationUnitTree unit : units) {
        found.collect(unit);
      }
      return found.follow();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void collect(CompilationUnitTree unit) {
    new TreePathScanner<Void, Void>() {
      @Override
      public Void visitMethodInvocation(MethodInvocationTree node, Void unused) {
        Element callee = trees.getElement(getCurrentPath());
        if (callee instanceof ExecutableElement method) {
          calls.add(new Call(method, node.getArguments(), getCurrentPath()));
          if (readsTheEnvironment(method, node, getCurrentPath())) {
            reads.add(new TreePath(getCurrentPath(), node.getArguments().get(0)));
          }
        }
        return super.visitMethodInvocation(node, unused);
      }

      @Override
      public Void visitNewClass(NewClassTree node, Void unused) {
        if (trees.getElement(getCurrentPath()) instanceof ExecutableElement constructor) {
          calls.add(new Call(constructor, node.getArguments(), getCurrentPath()));
        }
        return super.visitNewClass(node, unused);
      }

      @Override
      public Void visitMemberReference(MemberReferenceTree node, Void unused) {
        references.add(getCurrentPath());
        return super.visitMemberReference(node, unused);
      }

      @Override
      public Void visitAssignment(AssignmentTree node, Void unused) {
        assignments.add(getCurrentPath());
        return super.visitAssignment(node, unused);
      }
    }.scan(unit, null);
  }

  /** {@code System.getenv(name)}, or {@code env.get(name)} on the environment map inside Settings. */
  private boolean readsTheEnvironment(ExecutableElement method, MethodInvocationTree node, TreePath path) {
    TypeElement owner = (TypeElement) method.getEnclosingElement();
    String name = method.getSimpleName().toString();
    if (owner.getQualifiedName().contentEquals("java.lang.System") && name.equals("getenv")) {
      return method.getParameters().size() == 1;
    }
    if (!owner.getQualifiedName().contentEquals("java.util.Map") || !name.equals("get")
        || !(node.getMethodSelect() instanceof MemberSelectTree select)) {
      return false;
    }
    Element receiver = trees.getElement(new TreePath(new TreePath(path, select), select.getExpression()));
    return receiver != null && receiver.getSimpleName().contentEquals("env") && insideSettings(receiver);
  }

  private static boolean insideSettings(Element element) {
    for (Element e = element; e != null; e = e.getEnclosingElement()) {
      if (e instanceof TypeElement type) {
        return type.getQualifiedName().contentEquals(SETTINGS);
      }
    }
    return false;
  }

  private Found follow() {
    Set<String> names = new TreeSet<>();
    List<String> unresolved = new ArrayList<>();
    Set<NameParameter> seen = new HashSet<>();
    Deque<TreePath> work = new ArrayDeque<>(reads);
    while (!work.isEmpty()) {
      TreePath argument = work.pop();
      ExpressionTree expression = (ExpressionTree) argument.getLeaf();
      String constant = constant(argument, expression);
      if (constant != null) {
        names.add(constant);
        continue;
      }
      if (expression instanceof BinaryTree plus && plus.getKind() == Tree.Kind.PLUS
          && constant(new TreePath(argument, plus.getRightOperand()), plus.getRightOperand()) != null) {
        // a name built from another: <NAME>_SECRET_ID
        names.add("<NAME>" + constant(new TreePath(argument, plus.getRightOperand()), plus.getRightOperand()));
        continue;
      }
      Element element = trees.getElement(argument);
      List<NameParameter> parameters = new ArrayList<>();
      if (element instanceof VariableElement variable && variable.getKind() == ElementKind.PARAMETER) {
        parameters.add(parameterOf(variable));
      } else if (element instanceof VariableElement variable && variable.getKind() == ElementKind.FIELD) {
        parameters.addAll(parametersAssignedTo(variable, argument, unresolved));
      } else {
        unresolved.add(where(argument) + ": " + expression);
        continue;
      }
      for (NameParameter parameter : parameters) {
        if (!seen.add(parameter)) {
          continue;
        }
        for (TreePath reference : references) {
          if (trees.getElement(reference) == parameter.method()) {
            unresolved.add(where(reference) + ": " + parameter.method() + " passed on as a method reference");
          }
        }
        for (Call call : calls) {
          if (call.callee().equals(parameter.method())) {
            work.push(new TreePath(call.path(), call.arguments().get(parameter.index())));
          }
        }
      }
    }
    return new Found(names, unresolved);
  }

  private static NameParameter parameterOf(VariableElement parameter) {
    ExecutableElement method = (ExecutableElement) parameter.getEnclosingElement();
    return new NameParameter(method, method.getParameters().indexOf(parameter));
  }

  /** The constructor (or method) parameters a field's value comes from ({@code this.name = name}). */
  private List<NameParameter> parametersAssignedTo(VariableElement field, TreePath use, List<String> unresolved) {
    List<NameParameter> from = new ArrayList<>();
    for (TreePath path : assignments) {
      AssignmentTree assignment = (AssignmentTree) path.getLeaf();
      if (!field.equals(trees.getElement(new TreePath(path, assignment.getVariable())))) {
        continue;
      }
      TreePath value = new TreePath(path, assignment.getExpression());
      if (trees.getElement(value) instanceof VariableElement v && v.getKind() == ElementKind.PARAMETER) {
        from.add(parameterOf(v));
      } else {
        unresolved.add(where(path) + ": " + field.getSimpleName() + " = " + assignment.getExpression());
      }
    }
    if (from.isEmpty()) {
      unresolved.add(where(use) + ": the field " + field.getSimpleName() + " is set from no parameter");
    }
    return from;
  }

  /** The value of a compile-time constant String expression, or null. */
  private String constant(TreePath path, ExpressionTree expression) {
    if (expression instanceof ParenthesizedTree p) {
      return constant(new TreePath(path, p.getExpression()), p.getExpression());
    }
    if (expression instanceof LiteralTree literal) {
      return literal.getValue() instanceof String s ? s : null;
    }
    if (expression instanceof IdentifierTree || expression instanceof MemberSelectTree) {
      return trees.getElement(path) instanceof VariableElement v && v.getConstantValue() instanceof String s ? s : null;
    }
    if (expression instanceof BinaryTree plus && plus.getKind() == Tree.Kind.PLUS) {
      String left = constant(new TreePath(path, plus.getLeftOperand()), plus.getLeftOperand());
      String right = constant(new TreePath(path, plus.getRightOperand()), plus.getRightOperand());
      return left == null || right == null ? null : left + right;
    }
    return null;
  }

  private String where(TreePath path) {
    CompilationUnitTree unit = path.getCompilationUnit();
    long line = unit.getLineMap().getLineNumber(trees.getSourcePositions().getStartPosition(unit, path.getLeaf()));
    return Path.of(unit.getSourceFile().toUri()).getFileName() + ":" + line;
  }
}
