/**
 * What the dashboard's search finds: a message by its id (a prefix), its type,
 * or anything in its body (an order id finds the order's message), with the
 * type and status filters. Pure, over history entries.
 */

/** What a search reads of a history entry. */
export interface Searchable {
  id: string;
  type: string;
  status: string;
  body: string;
}

export interface HistoryFilter {
  /** Matched, without case, against the id's start, the type, and the body. */
  query?: string;
  type?: string;
  status?: string;
}

/**
 * Body text searched per message: the history keeps up to 64 KiB of each, and a
 * search walks every entry, so a handful of huge bodies must not make each
 * keystroke slow. Fields of a payload sit near its start.
 */
export const SEARCHED_BODY_CHARS = 16 * 1024;

/** A matcher for `filter`, its query lowered once. */
export function historyMatcher(filter: HistoryFilter): (entry: Searchable) => boolean {
  const query = filter.query?.trim().toLowerCase() ?? "";
  return (entry) => {
    if (filter.type && entry.type !== filter.type) return false;
    if (filter.status && entry.status !== filter.status) return false;
    if (query === "") return true;
    return entry.id.toLowerCase().startsWith(query) || entry.type.toLowerCase().includes(query) || bodyHas(entry.body, query);
  };
}

function bodyHas(body: string, query: string): boolean {
  const text = body.length > SEARCHED_BODY_CHARS ? body.slice(0, SEARCHED_BODY_CHARS) : body;
  // Most bodies hold the query in the case it was typed: no lowering needed for those.
  return text.includes(query) || text.toLowerCase().includes(query);
}
