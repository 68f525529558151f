package dev.skein.storage.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skein.model.TraceId;
import dev.skein.storage.search.Cursor;
import dev.skein.storage.search.Order;
import dev.skein.storage.search.TraceQuery;
import dev.skein.storage.search.TraceSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SearchWindowsTest {
  private static final TraceQuery QUERY = TraceQuery.builder().startMaxNanos(6_400).startMinNanos(0).limit(5).build();

  @Test
  void startsWithTheNewest64thOfTheRange() {
    assertThat(SearchWindows.of(QUERY, 6_400).first().startMinNanos()).isEqualTo(6_300);
    assertThat(SearchWindows.of(QUERY, 99_999).first().startMinNanos())
        .as("a trace stored after the range does not move the window past the range's end")
        .isEqualTo(6_300);
    assertThat(SearchWindows.of(QUERY, 3_200).first().startMinNanos())
        .as("counted back from the newest trace stored")
        .isEqualTo(3_150);
  }

  @Test
  void widensBySixteenWhenNothingWasFoundAndEndsWithTheWholeQuery() {
    SearchWindows w = SearchWindows.of(QUERY, 6_400);
    TraceQuery first = w.first();
    TraceQuery second = w.next(0);
    TraceQuery third = w.next(0);
    assertThat(List.of(first.startMinNanos(), second.startMinNanos())).containsExactly(6_300L, 4_800L);
    assertThat(third).isSameAs(QUERY);
    assertThat(w.next(0)).isNull();
  }

  @Test
  void widensByWhatTheMatchesSuggestAndAtLeastFourfold() {
    // Limit 5: one more than the limit, 6, is what a window must find; half as much again is 9.
    SearchWindows one = SearchWindows.of(QUERY, 6_400);
    one.first();
    assertThat(one.next(1).startMinNanos()).as("1 found: 9 times as wide").isEqualTo(6_400 - 900);
    SearchWindows three = SearchWindows.of(QUERY, 6_400);
    three.first();
    assertThat(three.next(3).startMinNanos()).as("3 found: 3 times would do; 4 at least").isEqualTo(6_400 - 400);
    SearchWindows five = SearchWindows.of(QUERY, 6_400);
    five.first();
    assertThat(five.next(5).startMinNanos()).isEqualTo(6_400 - 400);
  }

  @Test
  void everyWindowIsTheQueryWithALaterStart() {
    SearchWindows w = SearchWindows.of(QUERY, 6_400);
    for (TraceQuery q = w.first(); q != null; q = w.next(1)) {
      assertThat(q.startMinNanos()).isBetween(QUERY.startMinNanos(), QUERY.startMaxNanos());
      assertThat(q.toBuilder().startMinNanos(QUERY.startMinNanos()).build()).isEqualTo(QUERY);
    }
  }

  @Test
  void pagingCountsBackFromTheCursor() {
    TraceSummary last = new TraceSummary(TraceId.fromHex("0af7651916cd43dd8448eb211c80319c"), "svc", "GET /",
        3_200, 10, 1, 0, Map.of("svc", 1));
    TraceQuery paged = QUERY.toBuilder().cursor(Cursor.after(Order.NEWEST, last)).build();
    assertThat(SearchWindows.of(paged, 6_400).first().startMinNanos()).isEqualTo(3_150);
  }

  @Test
  void searchesOtherOrdersAndEmptyStoresOverTheWholeRangeAtOnce() {
    TraceQuery slowest = QUERY.toBuilder().order(Order.SLOWEST).build();
    assertThat(SearchWindows.of(slowest, 6_400).first()).isSameAs(slowest);
    assertThat(SearchWindows.of(slowest, 6_400).next(0)).isNull();
    assertThat(SearchWindows.of(QUERY, -1).first()).as("nothing stored in the range").isSameAs(QUERY);
    assertThat(SearchWindows.of(QUERY, Long.MIN_VALUE).first()).as("nothing stored").isSameAs(QUERY);
  }

  @Test
  void reachesTheWholeQueryInAFewStepsHoweverWideTheRange() {
    TraceQuery unbounded = TraceQuery.builder().startMinNanos(Long.MIN_VALUE).startMaxNanos(Long.MAX_VALUE).build();
    SearchWindows w = SearchWindows.of(unbounded, 1_000);
    List<Long> starts = new ArrayList<>();
    TraceQuery last = null;
    for (TraceQuery q = w.first(); q != null; q = w.next(1)) {
      starts.add(q.startMinNanos());
      last = q;
    }
    assertThat(last).isSameAs(unbounded);
    assertThat(starts).hasSizeLessThanOrEqualTo(4).doesNotHaveDuplicates()
        .isSortedAccordingTo(Comparator.reverseOrder());
  }
}
