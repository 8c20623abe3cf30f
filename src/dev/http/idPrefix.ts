/**
 * Ids as people give them: whole, or a prefix of at least 4 characters that
 * names exactly one message (the console prints 8). The one rule for every
 * route that takes an id (POST /retry, POST /dlq/redrive, the dashboard's).
 */
import { HttpError } from "./http.js";

export const MIN_ID_PREFIX = 4;

/**
 * The id `given` names among `ids` (`ids` yields those starting with a
 * prefix, at least two when there are several); undefined when none does (the
 * caller says what was not found). Several: 409. A unique match from fewer than
 * 4 characters: 400.
 */
export function idNamedBy(given: string, exists: (id: string) => boolean, startingWith: (prefix: string) => string[], what: string): string | undefined {
  if (exists(given)) return given;
  const matches = startingWith(given);
  if (matches.length > 1) {
    throw new HttpError(409, `${given} matches several ${what} (${matches.slice(0, 3).join(", ")}${matches.length > 3 ? ", …" : ""}): give more of the id.`);
  }
  if (matches.length === 0) return undefined;
  if (given.length < MIN_ID_PREFIX) throw new HttpError(400, `Give at least ${MIN_ID_PREFIX} characters of the id (${given} is too short to be sure).`);
  return matches[0];
}
