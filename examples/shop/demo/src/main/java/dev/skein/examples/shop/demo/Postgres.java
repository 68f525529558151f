package dev.skein.examples.shop.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL cluster from Debian's {@code postgresql} package: a fresh data directory in
 * a temporary directory, listening on 127.0.0.1 at a given port, with its Unix socket in the data
 * directory, so that it touches no other cluster on the machine. PostgreSQL refuses to run as root,
 * so as root every PostgreSQL command runs as the {@code postgres} user, which owns the directory.
 * {@link #stop} shuts it down and deletes the directory.
 */
final class Postgres {
  static final String DATABASE = "shop";
  static final String USER = "postgres";

  private final Path bin;
  private final Path home;
  private final Path data;
  private final Path setupLog;
  private final boolean asPostgresUser;
  final int port;
  private boolean stopped;

  private Postgres(Path bin, Path home, Path setupLog, boolean asPostgresUser, int port) {
    this.bin = bin;
    this.home = home;
    this.data = home.resolve("data");
    this.setupLog = setupLog;
    this.asPostgresUser = asPostgresUser;
    this.port = port;
  }

  /** Creates the cluster, starts it, and loads {@code schema} into the database {@value #DATABASE}. */
  static Postgres start(int port, Path schema, Path logs) throws DemoException, IOException, InterruptedException {
    Path bin = binaries();
    boolean root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    Path home = Files.createTempDirectory("skein-demo-postgres-");
    if (root) {
      giveToPostgres(home);
    }
    Postgres pg = new Postgres(bin, home, logs.resolve("postgresql-setup.log"), root, port);
    try {
      // Trust on 127.0.0.1 and the private socket: the cluster holds nothing but the demo's data.
      pg.run(true, "initdb", "-D", pg.data.toString(), "-U", USER, "--auth=trust", "--encoding=UTF8",
          "--no-locale", "--no-sync");
      // Without -l the server writes to pg_ctl's output, a file this process opened: the postgres
      // user need not be able to reach the log directory. The data is thrown away at exit, so it
      // need not survive a power cut: no fsync.
      pg.run(true, logs.resolve("postgresql.log"), "pg_ctl", "-D", pg.data.toString(), "-w", "-t", "60",
          "-o", "-p " + port + " -k " + pg.data + " -c listen_addresses=127.0.0.1 -c fsync=off", "start");
      pg.run(false, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", Integer.toString(port),
          "-U", USER, "-d", "postgres", "-c", "CREATE DATABASE " + DATABASE);
      pg.run(false, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", Integer.toString(port),
          "-U", USER, "-d", DATABASE, "-f", schema.toString());
    } catch (DemoException | IOException | InterruptedException | RuntimeException e) {
      pg.stop();
      throw e;
    }
    return pg;
  }

  /** Shuts the cluster down (fast: open connections are closed) and deletes its directory. Idempotent. */
  synchronized void stop() throws InterruptedException {
    if (stopped) {
      return;
    }
    stopped = true;
    if (Files.exists(data.resolve("postmaster.pid"))) {
      try {
        run(true, "pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "-t", "30", "stop");
      } catch (DemoException | IOException e) {
        System.err.println("skein demo: stopping PostgreSQL failed: " + e.getMessage());
      }
    }
    try (Stream<Path> files = Files.walk(home)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("skein demo: " + home + " could not be deleted: " + e.getMessage());
    }
  }

  /** The newest installed server's binaries: Debian puts each major version in its own directory. */
  static Path binaries() throws DemoException {
    Path versions = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(versions)) {
      try (Stream<Path> dirs = Files.list(versions)) {
        var newest = dirs.filter(d -> d.getFileName().toString().matches("\\d+"))
            .filter(d -> Files.isExecutable(d.resolve("bin").resolve("initdb")))
            .max(Comparator.comparingInt(d -> Integer.parseInt(d.getFileName().toString())));
        if (newest.isPresent()) {
          return newest.get().resolve("bin");
        }
      } catch (IOException e) {
        throw new DemoException("cannot list " + versions + ": " + e.getMessage(), e);
      }
    }
    throw new DemoException("PostgreSQL is not installed (expected: initdb in /usr/lib/postgresql/<version>/bin,"
        + " from Debian's postgresql package; ./skein demo installs it: apt-get install postgresql)");
  }

  private static String lastLines(Path file, int n) throws IOException {
    List<String> lines = List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n"));
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }

  private static void giveToPostgres(Path path) throws IOException, DemoException {
    UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
    try {
      PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
      UserPrincipal user = users.lookupPrincipalByName(USER);
      GroupPrincipal group = users.lookupPrincipalByGroupName(USER);
      view.setOwner(user);
      view.setGroup(group);
    } catch (UserPrincipalNotFoundException e) {
      throw new DemoException("PostgreSQL refuses to run as root, and there is no \"" + USER
          + "\" user to run it as (expected: the user Debian's postgresql package creates)", e);
    }
  }

  /** Runs one PostgreSQL program to the end; its output goes to the setup log. */
  private void run(boolean asServerOwner, String program, String... args)
      throws DemoException, IOException, InterruptedException {
    run(asServerOwner, setupLog, program, args);
  }

  /** Runs one PostgreSQL program to the end; its output goes to {@code output}. */
  private void run(boolean asServerOwner, Path output, String program, String... args)
      throws DemoException, IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    if (asServerOwner && asPostgresUser) {
      command.addAll(List.of("runuser", "-u", USER, "--"));
    }
    command.add(bin.resolve(program).toString());
    command.addAll(List.of(args));
    Files.writeString(setupLog, "$ " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    Process p = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new DemoException(program + " did not finish within 120 s; see " + setupLog);
    }
    if (p.exitValue() != 0) {
      String out = Files.readString(setupLog, StandardCharsets.UTF_8);
      String tail = output.equals(setupLog) ? "" : "\n" + lastLines(output, 10);
      throw new DemoException(program + " failed with status " + p.exitValue() + ":\n"
          + out.substring(Math.max(0, out.lastIndexOf("$ "))).strip() + tail);
    }
  }
}
