/**
 * Names of files that editors and atomic writers (ours included) create for a
 * moment beside the real one: a change to one of them is never a change to the
 * code, so the watcher neither lists it nor reloads for it.
 */
import path from "node:path";

const TEMPORARY: readonly RegExp[] = [
  /\.tmp$/i, // atomic writes: ours (`index.ts.letsgo-31238.tmp`), npm's, many tools'
  /\.temp$/i,
  /~$/, // backups: vim, emacs, gedit
  /^\.#/, // emacs lock files
  /^#.*#$/, // emacs auto-save
  /\.sw[a-px]$/, // vim swap files (.swp, .swo, ... .swx)
  /^4913$/, // vim's probe that the folder is writable
  /\.kate-swp$/,
  /\.crswap$/, // Chrome's File System Access writes
  /___jb_(?:tmp|old|bak)___$/, // JetBrains safe write
  /^\.goutputstream-/, // GNOME
  /^\.DS_Store$/,
];

/** `file` (a name or a path) is an editor's or an atomic writer's temporary file. */
export function isTemporaryFile(file: string): boolean {
  const name = path.basename(file);
  return TEMPORARY.some((pattern) => pattern.test(name));
}
