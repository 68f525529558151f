package dev.skein.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProcStatsTest {
  @Test
  void cpuTicksAreUtimePlusStimeEvenWhenTheCommandNameHasSpacesAndParentheses() {
    String line = "4242 (C2 Compiler) (x)) S 1 4242 4242 0 -1 4194560 1800 0 0 0 1234 567 0 0 20 0 40 0 "
        + "100 9000000000 50000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
    assertThat(ProcStats.cpuTicks(line)).isEqualTo(1234 + 567);
  }

  @Test
  void thisProcessHasUsedSomeCpuAndMemory() {
    long pid = ProcessHandle.current().pid();
    assertThat(ProcStats.cpuTicks(pid)).isPositive();
    long rss = ProcStats.rssBytes(pid);
    assertThat(rss).isPositive();
    assertThat(ProcStats.peakRssBytes(pid)).isGreaterThanOrEqualTo(rss);
    assertThat(ProcStats.threadTicks(pid).values().stream().mapToLong(Long::longValue).sum()).isPositive();
    assertThat(ProcStats.machineBusyTicks()).isPositive();
    assertThat(ProcStats.ticksPerSecond()).isPositive();
  }

  @Test
  void statusLinesAreReadInKibibytes() {
    String status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmHWM:\t  524288 kB\nVmRSS:\t  262144 kB\n";
    assertThat(ProcStats.statusKib(status, "VmHWM")).isEqualTo(524288);
    assertThatThrownBy(() -> ProcStats.statusKib(status, "VmSwap"))
        .hasMessageContaining("VmSwap: not in /proc status");
  }

  @Test
  void threadsOfOnePoolAddUp() {
    assertThat(ProcStats.threadGroup("GC Thread#12")).isEqualTo("GC Thread#N");
    assertThat(ProcStats.threadGroup("load-client-17")).isEqualTo("load-client-N");
    assertThat(ProcStats.threadGroup("C2 CompilerThre")).isEqualTo("C2 CompilerThre");
    assertThat(ProcStats.threadGroup("armeria-common-")).isEqualTo("armeria-common-");
  }

  @Test
  void machineBusyTimeLeavesOutIdleAndIowait() {
    assertThat(ProcStats.machineBusyTicks("cpu  100 5 20 9000 300 1 2 3 0 0")).isEqualTo(100 + 5 + 20 + 1 + 2 + 3);
  }
}
