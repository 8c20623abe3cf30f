/**
 * A message's story as the dashboard draws it: one time axis from its send
 * through each attempt (start, duration, outcome, output, error) to the DLQ, a
 * redrive or a replay, and, while it waits, its next attempt and when it would
 * be dead-lettered. An error an earlier attempt already showed is folded to
 * "same as attempt N"; stacks put the user's frames first, paths relative to
 * the project. Pure.
 */
import type { HistoryEntry } from "../history/history.js";
import type { MessageStory, RetryingView, TimelineItem } from "../http/devApi.js";
import { foldedStack } from "../pool/stackFrames.js";

export function messageStory(entry: HistoryEntry, retry: RetryingView | null, projectRoot: string): MessageStory {
  let message: unknown;
  try {
    message = JSON.parse(entry.body);
  } catch {
    message = undefined;
  }
  return { ...entry, message, retry, timeline: storyTimeline(entry, retry, projectRoot) };
}

export function storyTimeline(entry: HistoryEntry, retry: RetryingView | null, projectRoot: string): TimelineItem[] {
  const items: TimelineItem[] = [{ kind: "sent", at: entry.sentAt, source: entry.source, ...(entry.from ? { from: entry.from } : {}) }];
  const firstWith = new Map<string, number>();
  for (const attempt of entry.attempts) {
    const { n, at, durationMs, ok, requestId, output } = attempt;
    const item: Extract<TimelineItem, { kind: "attempt" }> = { kind: "attempt", n, at, durationMs, ok, requestId, output };
    if (attempt.error !== undefined) {
      item.error = attempt.error;
      const key = `${attempt.error}\n${attempt.stack ?? ""}`;
      const first = firstWith.get(key);
      if (first !== undefined) item.sameErrorAs = first;
      else {
        firstWith.set(key, n);
        if (attempt.stack) item.stack = foldedStack(attempt.stack, projectRoot);
      }
    }
    items.push(item);
  }
  for (const mark of entry.marks ?? []) items.push({ kind: "mark", ...mark });
  if (retry) {
    items.push({ kind: "next", at: Date.parse(retry.nextAttemptAt), attempt: retry.attempts + 1, maxAttempts: retry.maxAttempts, deadLetterAt: Date.parse(retry.deadLetterAt) });
  }
  // Stable: an attempt and the mark it caused (dead) keep their order at the same millisecond.
  return items.map((item, i) => ({ item, i })).sort((a, b) => a.item.at - b.item.at || a.i - b.i).map(({ item }) => item);
}
