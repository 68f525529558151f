package dev.skein.components.filestorage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skein.components.exporters.testing.Components;
import dev.skein.pipeline.ComponentId;
import dev.skein.pipeline.ComponentKind;
import dev.skein.pipeline.Telemetry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStorageTest {
  private static final ComponentId OWNER = ComponentId.parse("otlp/backup");

  @TempDir
  Path dir;

  private FileStorageExtension start(String yaml) throws Exception {
    FileStorageExtension e = (FileStorageExtension) Components.extension(new FileStorageFactory(), "file_storage",
        yaml, new Telemetry());
    e.start(Components.host());
    return e;
  }

  private FileStorageExtension start() throws Exception {
    return start("directory: " + dir + "\n");
  }

  @Test
  void keepsValuesAcrossRestarts() throws Exception {
    FileStorageExtension first = start();
    try (StorageClient c = first.client(ComponentKind.EXPORTER, OWNER, "traces", true)) {
      c.set("00000000000000000002", "second".getBytes(UTF_8));
      c.set("00000000000000000001", "first".getBytes(UTF_8));
      c.set("00000000000000000003", "third".getBytes(UTF_8));
      c.delete("00000000000000000003");
      c.set("00000000000000000001", "first, replaced".getBytes(UTF_8));
    }
    first.shutdown();

    FileStorageExtension second = start();
    try (StorageClient c = second.client(ComponentKind.EXPORTER, OWNER, "traces", false)) {
      assertThat(c.keys()).containsExactly("00000000000000000001", "00000000000000000002");
      assertThat(c.get("00000000000000000001")).asString(UTF_8).isEqualTo("first, replaced");
      assertThat(c.get("00000000000000000002")).asString(UTF_8).isEqualTo("second");
      assertThat(c.get("00000000000000000003")).isNull();
      c.delete("never-set");
    }
    second.shutdown();
  }

  @Test
  void eachOwnerHasADirectoryNamedAsTheCollectorNamesIt() throws Exception {
    FileStorageExtension e = start();
    try (StorageClient a = e.client(ComponentKind.EXPORTER, OWNER, "traces", false);
         StorageClient b = e.client(ComponentKind.EXPORTER, ComponentId.parse("otlp/a b"), "traces", false)) {
      a.set("k", new byte[] {1});
      b.set("k", new byte[] {2});
      assertThat(a.get("k")).containsExactly(1);
      assertThat(b.get("k")).containsExactly(2);
    }
    assertThat(dir.resolve("exporter_otlp_backup_traces").resolve("k")).exists();
    assertThat(dir.resolve("exporter_otlp_a~20b_traces").resolve("k")).exists();
    e.shutdown();
  }

  @Test
  void aClientIsOpenOnceAtATime() throws Exception {
    FileStorageExtension e = start();
    StorageClient c = e.client(ComponentKind.EXPORTER, OWNER, "traces", false);
    assertThatThrownBy(() -> e.client(ComponentKind.EXPORTER, OWNER, "traces", false))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already open");
    c.close();
    e.client(ComponentKind.EXPORTER, OWNER, "traces", false).close();
    assertThatThrownBy(() -> c.get("k")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    e.shutdown();
  }

  @Test
  void waitsForTheLockOnlyAsLongAsTheTimeout() throws Exception {
    // A second extension over the same directory stands for a second Skein process.
    FileStorageExtension one = start("directory: " + dir + "\ntimeout: 100ms\n");
    FileStorageExtension other = start("directory: " + dir + "\ntimeout: 100ms\n");
    StorageClient held = one.client(ComponentKind.EXPORTER, OWNER, "traces", false);

    assertThatThrownBy(() -> other.client(ComponentKind.EXPORTER, OWNER, "traces", false))
        .isInstanceOf(IOException.class).hasMessageContaining("in use").hasMessageContaining("100ms");
    held.close();
    other.client(ComponentKind.EXPORTER, OWNER, "traces", false).close();
    one.shutdown();
    other.shutdown();
  }

  @Test
  void removesTemporaryFilesThatACrashLeftBehind() throws Exception {
    Path clientDir = Files.createDirectories(dir.resolve("exporter_otlp_backup_traces"));
    Files.write(clientDir.resolve(".00000000000000000001.7.tmp"), new byte[] {1, 2});
    Files.write(clientDir.resolve("00000000000000000001"), new byte[] {3});
    FileStorageExtension e = start();
    try (StorageClient c = e.client(ComponentKind.EXPORTER, OWNER, "traces", true)) {
      assertThat(c.keys()).containsExactly("00000000000000000001");
      assertThat(c.get("00000000000000000001")).containsExactly(3);
    }
    assertThat(clientDir.resolve(".00000000000000000001.7.tmp")).doesNotExist();
    e.shutdown();
  }

  @Test
  void refusesKeysThatAreNotPlainFileNames() throws Exception {
    FileStorageExtension e = start();
    try (StorageClient c = e.client(ComponentKind.EXPORTER, OWNER, "traces", false)) {
      for (String bad : new String[] {"", ".hidden", "../escape", "a/b", "x".repeat(201)}) {
        assertThatThrownBy(() -> c.set(bad, new byte[0])).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("key: ");
      }
    }
    e.shutdown();
  }

  @Test
  void createsTheDirectoryWhenAskedWithItsPermissions() throws Exception {
    Path nested = dir.resolve("a/b");
    assertThat(Components.problems(new FileStorageFactory(), "directory: " + nested))
        .containsExactly("directory: \"" + nested + "\" does not exist (expected: an existing directory,"
            + " or create_directory: true)");

    FileStorageExtension e = start("directory: " + nested + "\ncreate_directory: true\ndirectory_permissions: \"0700\"\n");
    assertThat(nested).isDirectory();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(nested))).isEqualTo("rwx------");
    e.shutdown();
  }

  @Test
  void validatesItsSettingsAndAcceptsTheCollectorsCompactionKeys() throws Exception {
    FileStorageFactory f = new FileStorageFactory();
    assertThat(Components.problems(f, "{}")).containsExactly(
        "directory: missing (expected: the path of a directory for the stored data)");
    assertThat(Components.problems(f, "directory: " + dir + "\ntimeout: -1s\ndirectory_permissions: rwx\n"))
        .containsExactly("timeout: -1s (expected: >= 0)",
            "directory_permissions: \"rwx\" (expected: octal permissions such as 0750)");
    assertThat(Components.problems(f, "directory: " + dir + "\nfsync: true\ncompaction:\n  on_start: true\n"
        + "  on_rebound: true\n  directory: " + dir + "\n  max_transaction_size: 65536\n"
        + "  rebound_needed_threshold_mib: 100\n  rebound_trigger_threshold_mib: 10\n  check_interval: 5s\n"
        + "  cleanup_on_start: true\n")).isEmpty();
  }

  @Test
  void shutdownClosesClientsAndRefusesNewOnes() throws Exception {
    FileStorageExtension e = start();
    StorageClient c = e.client(ComponentKind.EXPORTER, OWNER, "traces", false);
    e.shutdown();
    e.shutdown();
    assertThatThrownBy(c::keys).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> e.client(ComponentKind.EXPORTER, OWNER, "traces", false))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not running");
  }
}
