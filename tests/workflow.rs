//! The GitHub workflow (`.github/workflows/verify.yml`) read as YAML: the shard
//! matrices derive from the one `SHARDS` number and cover shards 0..N-1, every shard
//! job's report reaches the merge job, cargo is cached, a commit is not verified
//! twice. And `ci/shard.sh`, which the shard jobs run, keeps a shard job green on rows
//! that only the merge can judge and red on bad input. (actionlint checks the file's
//! syntax and expressions in `.ci/run`.)

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use yaml_rust2::{Yaml, YamlLoader};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn workflow() -> Yaml {
    let path = root().join(".github/workflows/verify.yml");
    let text = std::fs::read_to_string(&path).expect("reading verify.yml");
    YamlLoader::load_from_str(&text)
        .expect("verify.yml is YAML")
        .remove(0)
}

fn jobs(w: &Yaml) -> Vec<(String, &Yaml)> {
    w["jobs"]
        .as_hash()
        .expect("jobs")
        .iter()
        .map(|(k, v)| (k.as_str().expect("job name").to_owned(), v))
        .collect()
}

fn steps(job: &Yaml) -> &[Yaml] {
    job["steps"].as_vec().map_or(&[], Vec::as_slice)
}

/// A job's `needs`, as a list.
fn needs(job: &Yaml) -> Vec<String> {
    match &job["needs"] {
        Yaml::String(s) => vec![s.clone()],
        Yaml::Array(a) => a
            .iter()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// The jobs whose matrix has a `shard` axis.
fn sharded_jobs(w: &Yaml) -> Vec<(String, &Yaml)> {
    jobs(w)
        .into_iter()
        .filter(|(_, j)| !j["strategy"]["matrix"]["shard"].is_badvalue())
        .collect()
}

/// The one number: the workflow's `env: SHARDS`.
fn shard_count(w: &Yaml) -> i64 {
    w["env"]["SHARDS"]
        .as_i64()
        .expect("env.SHARDS is a whole number at the top of the workflow")
}

/// Runs the setup job's `shards` step as GitHub would, with `SHARDS=n`; its outputs.
fn setup_outputs(w: &Yaml, n: &str) -> (Option<i32>, Vec<(String, String)>) {
    let setup = &w["jobs"]["setup"];
    let step = steps(setup)
        .iter()
        .find(|s| s["id"].as_str() == Some("shards"))
        .expect("setup has a step with id `shards`");
    let script = step["run"].as_str().expect("the shards step runs a script");
    let out = std::env::temp_dir().join(format!("daxlock-gh-output-{}-{n}", std::process::id()));
    let _ = std::fs::remove_file(&out);
    std::fs::write(&out, "").unwrap();
    // GitHub runs `run:` with `bash --noprofile --norc -eo pipefail`.
    let status = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .env("SHARDS", n)
        .env("GITHUB_OUTPUT", &out)
        .output()
        .expect("running bash");
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    let outputs = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (status.status.code(), outputs)
}

fn output<'a>(outputs: &'a [(String, String)], key: &str) -> &'a str {
    outputs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no output `{key}` in {outputs:?}"))
}

/// The shard list comes from SHARDS alone: the setup step turns N into the JSON list
/// [0, ..., N-1] (for the workflow's N and others) and refuses a non-number; its job
/// outputs pass the list and N on.
#[test]
fn shard_list_is_derived_from_the_one_number() {
    let w = workflow();
    let n = shard_count(&w);
    assert!(n >= 1, "SHARDS = {n}");
    for count in [n.to_string(), "1".into(), "3".into(), "16".into()] {
        let (code, outputs) = setup_outputs(&w, &count);
        assert_eq!(code, Some(0), "SHARDS={count}: {outputs:?}");
        let list: Vec<i64> = serde_json::from_str(output(&outputs, "shards"))
            .unwrap_or_else(|e| panic!("SHARDS={count}: shards is not a JSON list: {e}"));
        let c: i64 = count.parse().unwrap();
        assert_eq!(list, (0..c).collect::<Vec<_>>(), "SHARDS={count}");
        assert_eq!(output(&outputs, "count"), count);
    }
    for bad in ["0", "", "four", "-1"] {
        let (code, _) = setup_outputs(&w, bad);
        assert_ne!(code, Some(0), "SHARDS={bad:?} accepted");
    }
    let setup = &w["jobs"]["setup"];
    assert_eq!(
        setup["outputs"]["shards"].as_str(),
        Some("${{ steps.shards.outputs.shards }}")
    );
    assert_eq!(
        setup["outputs"]["count"].as_str(),
        Some("${{ steps.shards.outputs.count }}")
    );
}

/// Every sharded job takes its matrix from the setup job's list (no list of its own),
/// passes `--shard I/N` with N from the same number, does not let one shard's failure
/// cancel the others, and runs `daxlock verify` through ci/shard.sh; nothing
/// redefines SHARDS.
#[test]
fn every_shard_matrix_uses_the_derived_list() {
    let w = workflow();
    let sharded = sharded_jobs(&w);
    let names: Vec<&str> = sharded.iter().map(|(n, _)| n.as_str()).collect();
    for expected in ["deep-shuttle", "stateful-shards"] {
        assert!(
            names.contains(&expected),
            "{expected} is not sharded: {names:?}"
        );
    }
    for (name, job) in &sharded {
        assert_eq!(
            job["strategy"]["matrix"]["shard"].as_str(),
            Some("${{ fromJSON(needs.setup.outputs.shards) }}"),
            "{name}: the shard axis must be the setup job's list"
        );
        assert!(needs(job).contains(&"setup".to_owned()), "{name}");
        assert_eq!(
            job["strategy"]["fail-fast"].as_bool(),
            Some(false),
            "{name}"
        );
        let runs: Vec<&str> = steps(job)
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect();
        let shard_runs: Vec<&&str> = runs.iter().filter(|r| r.contains("--shard")).collect();
        assert_eq!(shard_runs.len(), 1, "{name}: {runs:?}");
        let run = shard_runs[0];
        assert!(
            run.contains("--shard \"${{ matrix.shard }}/${{ needs.setup.outputs.count }}\""),
            "{name}: {run}"
        );
        assert!(run.contains("ci/shard.sh"), "{name}: {run}");
        assert!(
            job["env"]["SHARDS"].is_badvalue(),
            "{name} redefines SHARDS"
        );
    }
    let script = std::fs::read_to_string(root().join("ci/shard.sh")).unwrap();
    assert!(script.contains("verify \"$@\" --json"), "{script}");
}

/// Each shard job uploads its report as a `shard-*` artifact, also when it failed;
/// the merge job waits for every sharded job, downloads every `shard-*` artifact,
/// merges them with `daxlock merge` into the job summary, and keeps the merged JSON.
#[test]
fn every_shard_report_reaches_the_merge() {
    let w = workflow();
    let merge = &w["jobs"]["merge"];
    assert!(!merge.is_badvalue(), "no merge job");
    let merge_needs = needs(merge);
    for (name, job) in sharded_jobs(&w) {
        assert!(
            merge_needs.contains(&name),
            "merge does not wait for {name}"
        );
        let upload = steps(job)
            .iter()
            .find(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
            })
            .unwrap_or_else(|| panic!("{name} uploads no artifact"));
        assert!(
            upload["with"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("shard-") && n.contains("${{ matrix.shard }}")),
            "{name}: artifact name {:?}",
            upload["with"]["name"]
        );
        assert_eq!(
            upload["with"]["path"].as_str(),
            Some("shard-*.json"),
            "{name}"
        );
        assert_eq!(upload["if"].as_str(), Some("always()"), "{name}");
    }
    let merge_steps = steps(merge);
    assert!(
        merge_steps
            .iter()
            .any(|s| s["with"]["pattern"].as_str() == Some("shard-*")),
        "merge does not download the shard-* artifacts"
    );
    let run: String = merge_steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "daxlock merge shards/*.json",
        "daxlock merge --json shards/*.json",
        "$GITHUB_STEP_SUMMARY",
    ] {
        assert!(run.contains(needle), "merge job lacks {needle}: {run}");
    }
    assert!(
        merge_steps.iter().any(|s| s["with"]["path"]
            .as_str()
            .is_some_and(|p| p.contains("merged.json"))),
        "merge does not upload merged.json"
    );
    assert!(merge["if"]
        .as_str()
        .is_some_and(|c| c.contains("!cancelled()")));
}

/// Cargo is cached where the workflow builds, the shard jobs run the gate's binary
/// instead of building, a pull request from this repository does not run the commit
/// its push already runs, and a newer push cancels an older run.
#[test]
fn workflow_caches_and_runs_each_commit_once() {
    let w = workflow();
    let uses = |job: &Yaml| -> Vec<String> {
        steps(job)
            .iter()
            .filter_map(|s| s["uses"].as_str().map(str::to_owned))
            .collect()
    };
    let gate = &w["jobs"]["gate"];
    assert!(uses(gate)
        .iter()
        .any(|u| u.starts_with("Swatinem/rust-cache@")));
    for (name, job) in sharded_jobs(&w) {
        assert!(needs(job).contains(&"gate".to_owned()), "{name}");
        let runs: String = steps(job)
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect();
        assert!(!runs.contains("cargo "), "{name} builds: {runs}");
        assert!(
            steps(job)
                .iter()
                .any(|s| s["with"]["name"].as_str() == Some("daxlock-bin")),
            "{name} does not fetch the gate's binary"
        );
    }
    let cond = w["jobs"]["setup"]["if"].as_str().unwrap_or_default();
    assert!(
        cond.contains("github.event.pull_request.head.repo.full_name != github.repository"),
        "{cond}"
    );
    for (name, job) in jobs(&w) {
        if name != "setup" {
            assert!(
                !needs(job).is_empty(),
                "{name} runs without setup's condition"
            );
        }
    }
    assert!(w["concurrency"]["group"].as_str().is_some());
    assert!(!w["concurrency"]["cancel-in-progress"].is_badvalue());
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("daxlock-wf-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn shard_sh(cwd: &Path, args: &[&str]) -> (i32, String) {
    let o = Command::new("bash")
        .arg(root().join("ci/shard.sh"))
        .args(args)
        .current_dir(cwd)
        .env("DAXLOCK", env!("CARGO_BIN_EXE_daxlock"))
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("running ci/shard.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().expect("exited"), text)
}

/// ci/shard.sh writes the shard's report; a row not as expected in the shard alone
/// (verify exit 1) leaves the job green for the merge to judge; bad input fails it.
#[test]
fn shard_script_leaves_the_verdict_to_the_merge() {
    let dir = temp_dir("shard-sh");
    let good = dir.join("good");
    std::fs::create_dir_all(&good).unwrap();
    std::fs::write(good.join("a.toml"), support::GOOD).unwrap();
    let red = dir.join("red");
    std::fs::create_dir_all(&red).unwrap();
    std::fs::write(
        red.join("a.toml"),
        format!("{}[expect]\nfixed = \"hang\"\n", support::GOOD),
    )
    .unwrap();
    let common = ["--checker", "pct", "--iterations", "10", "--shard", "1/2"];
    for (name, folder, rc) in [("good", &good, 0), ("red", &red, 1)] {
        let mut args = vec![name, "--dir", folder.to_str().unwrap()];
        args.extend(common);
        let (code, text) = shard_sh(&dir, &args);
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains(&format!("daxlock verify exited {rc}")),
            "{text}"
        );
        let report = std::fs::read_to_string(dir.join(format!("shard-{name}.json"))).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&report).unwrap();
        assert_eq!(
            doc["runs"][0]["results"][0]["settings"],
            "depth 3 seed 0 shard 1/2"
        );
    }
    let (code, text) = shard_sh(&dir, &["bad", "--dir", "/nonexistent/daxlock"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("not readable"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// ci/fetch-kernel.sh names no host: it takes the archive and security mirrors
/// from the apt sources (deb822 stanzas, skipping disabled and deb-src ones, and
/// one-line `deb` entries with options), and no URL is written under ci/ or .ci/.
#[test]
fn fetch_kernel_takes_its_mirrors_from_apt_sources() {
    let mirrors = |apt: &Path| {
        let o = Command::new("bash")
            .arg(root().join("ci/fetch-kernel.sh"))
            .arg("--mirrors")
            .env("DAXLOCK_APT_ROOT", apt)
            .output()
            .expect("running ci/fetch-kernel.sh");
        assert!(o.status.success(), "{o:?}");
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let apt = temp_dir("apt");
    std::fs::create_dir_all(apt.join("sources.list.d")).unwrap();
    std::fs::write(
        apt.join("sources.list.d/debian.sources"),
        "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\n\
         Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: no\n\n\
         Types: deb\n# a comment\nURIs: http://archive.example/debian/\nSuites: bookworm bookworm-updates\n\
         Components: main\n\n\
         Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n",
    )
    .unwrap();
    assert_eq!(
        mirrors(&apt),
        "http://archive.example/debian http://security.example/debian-security"
    );
    // One-line entries only (with options), security listed first.
    std::fs::remove_dir_all(apt.join("sources.list.d")).unwrap();
    std::fs::write(
        apt.join("sources.list"),
        "# deb http://commented.example/debian bookworm main\n\
         deb [arch=amd64 signed-by=/k.gpg] http://sec2.example/debian-security bookworm-security main\n\
         deb http://arch2.example/debian bookworm main\n",
    )
    .unwrap();
    assert_eq!(
        mirrors(&apt),
        "http://arch2.example/debian http://sec2.example/debian-security"
    );
    let _ = std::fs::remove_dir_all(&apt);
    for dir in ["ci", ".ci"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            assert!(
                !text.contains("http://") && !text.contains("https://"),
                "{} names a host",
                p.display()
            );
        }
    }
}
