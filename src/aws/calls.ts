/**
 * Which AWS commands a run sends. A middleware on every client records the
 * command names, so tests (and `--dry-run`'s promise) can be checked by counting
 * the mutating ones: AWS names them by their verb.
 */
export interface RecordedCall {
  service: string;
  command: string;
  /** The command's input, as given to the SDK. */
  input: unknown;
}

export type CallRecorder = (call: RecordedCall) => void;

const MUTATING_VERBS = [
  "Create", "Put", "Update", "Delete", "Tag", "Untag", "Set", "Start", "Send", "Purge",
  "Add", "Remove", "Attach", "Detach", "Change", "Publish", "Invoke", "Upload", "Complete",
  "Initiate", "Batch", "Cancel", "Enable", "Disable", "Register", "Deregister",
];

/** `CreateQueueCommand` → true; `GetQueueAttributesCommand` → false. */
export function isMutatingCommand(command: string): boolean {
  const name = command.replace(/Command$/, "");
  if (name === "BatchGetImage" || name === "BatchCheckLayerAvailability") return false;
  return MUTATING_VERBS.some((verb) => name.startsWith(verb) && /^[A-Z]/.test(name.slice(verb.length) || "X"));
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize"; name: string },
    ): void;
  };
}

export function recordCalls(client: unknown, service: string, recorder: CallRecorder): void {
  (client as MiddlewareClient).middlewareStack.add(
    (next, context) => async (args) => {
      const input = (args as { input?: unknown }).input;
      recorder({ service, command: (context.commandName ?? "Unknown").replace(/Command$/, ""), input });
      return next(args);
    },
    { step: "initialize", name: "letsgoWorkerCallRecorder" },
  );
}

/** A recorder that keeps the calls in a list, with a helper for the mutating ones. */
export function callLog(): { calls: RecordedCall[]; record: CallRecorder; mutating(): RecordedCall[] } {
  const calls: RecordedCall[] = [];
  return {
    calls,
    record: (call) => calls.push(call),
    mutating: () => calls.filter((call) => isMutatingCommand(call.command)),
  };
}
