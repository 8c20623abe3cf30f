/**
 * What a handler finds in its environment, the same locally and in AWS: the
 * settings that are not deploy settings, the user's own keys from .env, and
 * LETSGO_DEPLOYMENT. `deploy` splits this into plain variables (the settings
 * not marked secret, and the names LETSGO_WORKER_PLAIN_ENV lists) and SSM
 * secrets (everything else), and the runtime puts the secrets back into
 * process.env before the first message; `dev` hands all of it to the handler
 * process. Either way a handler sees the same variables with the same values.
 * Deploy settings (LETSGO_WORKER_VISIBILITY_TIMEOUT, LETSGO_WORKER_PLAIN_ENV, ...)
 * describe the infrastructure and are in neither.
 */
import { SETTING_KEYS, isDeploySetting, type Settings } from "./settings.js";

export function handlerEnvironment(settings: Settings, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of SETTING_KEYS) {
    if (isDeploySetting(key)) continue;
    const value = String(settings[key]);
    if (value !== "") env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value !== "" && !isDeploySetting(key)) env[key] = value;
  }
  env.LETSGO_DEPLOYMENT = settings.LETSGO_DEPLOYMENT;
  return env;
}
