/** Errors of `build`, each telling the user what to do next. */
import { ProjectError, ServiceError } from "../errors.js";

export interface BundleProblem {
  /** Path relative to the project root, when esbuild knows it. */
  file?: string;
  line?: number;
  column?: number;
  lineText?: string;
  text: string;
}

/** esbuild could not bundle the worker: carries every problem with file and line. */
export class BundleError extends ProjectError {
  override name = "BundleError";
  readonly problems: BundleProblem[];
  constructor(problems: BundleProblem[], options: { cause?: unknown } = {}) {
    const shown = problems.slice(0, 10).map(formatProblem);
    const more = problems.length > shown.length ? [`... and ${problems.length - shown.length} more`] : [];
    super([`Could not bundle the worker (${problems.length} error${problems.length === 1 ? "" : "s"}):`, ...shown, ...more].join("\n"), options);
    this.problems = problems;
  }
}

export function formatProblem(problem: BundleProblem): string {
  const where = problem.file ? `${problem.file}${problem.line ? `:${problem.line}:${(problem.column ?? 0) + 1}` : ""}: ` : "";
  const source = problem.lineText ? `\n    ${problem.lineText.trim()}` : "";
  return `  ${where}${problem.text}${source}`;
}

/** No Docker engine answered. */
export class DockerUnavailableError extends ServiceError {
  override name = "DockerUnavailableError";
}

/** The engine refused a build step, or could not get the base image. */
export class ImageBuildError extends ServiceError {
  override name = "ImageBuildError";
}
