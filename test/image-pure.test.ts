import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { UsageError, ProjectError } from "../src/errors.js";
import { contentHash, contextFiles, contextTar, isForbiddenContextPath } from "../src/image/context.js";
import { DEFAULT_BASE_IMAGE, renderDockerfile, renderInstallManifest } from "../src/image/dockerfile.js";
import { BundleError } from "../src/image/errors.js";
import { architectureForDocker, architectureForPlatform, parsePlatform, platformForArchitecture, platformMismatchWarning } from "../src/image/platform.js";
import { tarArchive } from "../src/image/tar.js";
import { imageInstalls } from "../src/image/workerPackage.js";

const run = promisify(execFile);

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-image-pure-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("Function: tarArchive", () => {
  it("writes an archive GNU tar extracts: files, modes, directories, symlinks, long names", async (t) => {
    // Prepare
    const dir = await tempDir(t);
    const longName = `${"deep/".repeat(30)}file.txt`;
    const archive = tarArchive([
      { name: "bin", type: "directory" },
      { name: "bin/run", data: Buffer.from("#!/bin/sh\necho hi\n"), mode: 0o755 },
      { name: "bin/alias", type: "symlink", linkName: "run" },
      { name: longName, data: Buffer.alloc(1500, 7) },
      { name: "empty", data: Buffer.alloc(0) },
    ]);
    await writeFile(path.join(dir, "a.tar"), archive);

    // Act
    await run("tar", ["-xf", "a.tar", "-C", dir], { cwd: dir });

    // Assess
    assert.equal(await readFile(path.join(dir, "bin/run"), "utf8"), "#!/bin/sh\necho hi\n");
    assert.equal((await stat(path.join(dir, "bin/run"))).mode & 0o777, 0o755);
    assert.equal(await readlink(path.join(dir, "bin/alias")), "run");
    assert.deepEqual(await readFile(path.join(dir, longName)), Buffer.alloc(1500, 7));
    assert.equal((await stat(path.join(dir, "empty"))).size, 0);
    assert.equal(archive.length % 512, 0);
  });

  it("gives the same bytes for the same entries (fixed owner and mtime)", () => {
    const entries = [{ name: "index.mjs", data: Buffer.from("export {}") }];
    assert.deepEqual(tarArchive(entries), tarArchive(entries));
  });
});

describe("Function: isForbiddenContextPath", () => {
  for (const name of [".env", "apps/worker/.env", ".env.local", ".letsgo/state.json", "node_modules/x/index.js", "a/node_modules"]) {
    it(`refuses ${name}`, () => assert.equal(isForbiddenContextPath(name), true));
  }
  for (const name of ["index.mjs", "index.mjs.map", "Dockerfile", "package.json", "env.js", ".envrc-notes/x", "my.env"]) {
    it(`allows ${name}`, () => assert.equal(isForbiddenContextPath(name), false));
  }

  it("makes contextTar throw rather than pack a forbidden file", () => {
    assert.throws(() => contextTar([{ name: "apps/worker/.env", data: Buffer.from("SECRET=1") }]), /Refusing to put apps\/worker\/\.env/);
  });
});

describe("Function: renderDockerfile", () => {
  it("copies only the bundle and its map into ${LAMBDA_TASK_ROOT}, last, and sets the handler", () => {
    const dockerfile = renderDockerfile({ baseImage: DEFAULT_BASE_IMAGE, labels: { "z.key": "1", "a.key": 'say "hi"' } });
    assert.equal(
      dockerfile,
      [
        "FROM public.ecr.aws/lambda/nodejs:22",
        'LABEL a.key="say \\"hi\\"" z.key="1"',
        "ENV NODE_OPTIONS=--enable-source-maps",
        'CMD ["index.handler"]',
        "COPY index.mjs index.mjs.map ${LAMBDA_TASK_ROOT}/",
        "",
      ].join("\n"),
    );
  });

  it("installs packages with npm before copying the bundle, so code changes keep that layer", () => {
    const lines = renderDockerfile({ baseImage: "base:1", install: { sharp: "^0.34.0" } }).split("\n");
    const install = lines.findIndex((line) => line.startsWith("RUN") && line.includes("npm install --omit=dev"));
    const copyBundle = lines.findIndex((line) => line.startsWith("COPY index.mjs"));
    assert.equal(lines[0], "FROM base:1");
    assert.ok(lines.includes("COPY package.json ${LAMBDA_TASK_ROOT}/"));
    assert.ok(install > 0 && install < copyBundle);
    assert.equal(copyBundle, lines.length - 2); // last line, then the final newline
  });

  it("writes an install manifest with sorted dependencies", () => {
    const manifest = JSON.parse(renderInstallManifest({ zlib: "1", sharp: "^0.34.0" }));
    assert.deepEqual(Object.keys(manifest.dependencies), ["sharp", "zlib"]);
    assert.equal(manifest.private, true);
  });
});

describe("Function: contentHash", () => {
  const base = { baseImage: "base:1", baseImageId: "sha256:aaa", platform: "linux/arm64" };
  const files = contextFiles({ baseImage: "base:1", bundle: Buffer.from("export const handler=1"), sourceMap: Buffer.from("{}") });

  it("is stable for the same input, whatever the file order", () => {
    assert.equal(contentHash({ ...base, files }), contentHash({ ...base, files: [...files].reverse() }));
    assert.match(contentHash({ ...base, files }), /^[0-9a-f]{20}$/);
  });

  it("changes with the bundle, the base image, its id, the Dockerfile and the platform", () => {
    const original = contentHash({ ...base, files });
    const changedBundle = contextFiles({ baseImage: "base:1", bundle: Buffer.from("export const handler=2"), sourceMap: Buffer.from("{}") });
    const withInstall = contextFiles({ baseImage: "base:1", bundle: Buffer.from("export const handler=1"), sourceMap: Buffer.from("{}"), install: { sharp: "1" } });
    const variants = [
      contentHash({ ...base, files: changedBundle }),
      contentHash({ ...base, files, baseImage: "base:2" }),
      contentHash({ ...base, files, baseImageId: "sha256:bbb" }),
      contentHash({ ...base, files: withInstall }),
      contentHash({ ...base, files, platform: "linux/amd64" }),
    ];
    for (const variant of variants) assert.notEqual(variant, original);
    assert.equal(new Set(variants).size, variants.length);
  });
});

describe("Function: parsePlatform / platformForArchitecture", () => {
  it("maps Lambda architectures to Docker platforms and back", () => {
    assert.equal(platformForArchitecture("arm64"), "linux/arm64");
    assert.equal(platformForArchitecture("x86_64"), "linux/amd64");
    assert.equal(architectureForPlatform("linux/amd64"), "x86_64");
    assert.equal(parsePlatform("linux/amd64"), "linux/amd64");
  });

  it("rejects platforms Lambda does not run", () => {
    assert.throws(() => parsePlatform("linux/386"), (error) => error instanceof UsageError && /linux\/arm64 or linux\/amd64/.test(error.message));
  });

  it("reads Docker's architecture names as Lambda's, and none Lambda cannot run", () => {
    assert.equal(architectureForDocker("arm64"), "arm64");
    assert.equal(architectureForDocker("amd64"), "x86_64");
    assert.equal(architectureForDocker("s390x"), undefined);
  });
});

describe("Function: platformMismatchWarning", () => {
  it("says nothing when the platform is the function's", () => {
    assert.equal(platformMismatchWarning("linux/arm64", "arm64"), undefined);
    assert.equal(platformMismatchWarning("linux/amd64", "x86_64"), undefined);
  });

  it("warns the function will not run the other architecture, and which setting changes that", () => {
    assert.equal(
      platformMismatchWarning("linux/amd64", "arm64"),
      "--platform linux/amd64 builds an x86_64 image, but LETSGO_WORKER_ARCHITECTURE is arm64: " +
        "the function will not run this image unless you set LETSGO_WORKER_ARCHITECTURE=x86_64 (in apps/worker/.env).",
    );
  });
});

describe("Function: imageInstalls", () => {
  it("reads the install list with versions from dependencies", () => {
    const installs = imageInstalls({ dependencies: { sharp: "^0.34.0", stripe: "23" }, "letsgo-worker": { install: ["sharp"] } });
    assert.deepEqual(installs, { sharp: "^0.34.0" });
  });

  it("is empty without the key", () => assert.deepEqual(imageInstalls({ dependencies: { a: "1" } }), {}));

  it("says what to add when a listed package has no version", () => {
    assert.throws(
      () => imageInstalls({ "letsgo-worker": { install: ["sharp"] } }),
      (error) => error instanceof ProjectError && /"sharp" .* not in "dependencies"/.test(error.message),
    );
  });

  it("rejects a list that is not names", () => {
    assert.throws(() => imageInstalls({ "letsgo-worker": { install: "sharp" } }), /must be a list of package names/);
  });
});

describe("Class: BundleError", () => {
  it("lists each problem with file, line and column", () => {
    const error = new BundleError([{ file: "apps/worker/src/index.ts", line: 3, column: 6, lineText: "  const x: = 1;", text: "Expected identifier" }]);
    assert.match(error.message, /apps\/worker\/src\/index\.ts:3:7: Expected identifier/);
    assert.match(error.message, /const x: = 1;/);
  });
});
