/** What the console's line writers share: the options, the handler map typed per event, and the writing kit. */
import type { DevWorkerEvents } from "../devWorkerTypes.js";

export interface ConsoleOptions {
  json: boolean;
  /** Results and outcomes. */
  out: (text: string) => void;
  /** Colours for a terminal (identity when not one). */
  style: Record<"bold" | "dim" | "green" | "yellow" | "red" | "cyan", (text: string) => string>;
  projectDir: string;
  watching: boolean;
  /** Under a failed message, its whole stack instead of the first frames of the user's code. */
  verbose?: boolean;
}

/** A line (or JSON object) per event, each handler typed by its event's payload. */
export type ConsoleHandlers = { [K in keyof DevWorkerEvents]?: (...args: DevWorkerEvents[K]) => void };

/** What both kinds of line are written with. */
export interface LineKit {
  write(line: string): void;
  json(event: keyof DevWorkerEvents, fields: object): void;
  short(id: string): string;
  ms(value: number): string;
  rel(file: string): string;
}
