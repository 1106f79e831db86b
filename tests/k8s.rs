//! The Kubernetes manifests under `scripts/k8s/`, parsed as YAML: the sweep is an
//! Indexed Job whose completions and parallelism are the N of its
//! `--shard "$JOB_COMPLETION_INDEX/N"`, over a ReadWriteMany volume holding the log
//! directory, with a grace period for SIGTERM and disruptions not counted as failures;
//! the summary Job reads the same volume and directory. Then the containers' own shell
//! commands, as written, are run here once per index (a smaller `$SWEEP`, `$LOGDIR` in a
//! temporary directory) and the summary Job's after them: the summary is an unsharded
//! sweep's, byte for byte.
#![cfg(unix)]

use std::fs;
use std::path::Path;
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

const BIN: &str = env!("CARGO_BIN_EXE_tbtrain");

fn manifest(name: &str) -> Vec<Yaml> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/k8s")
        .join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The document of kind `kind`.
fn document<'a>(docs: &'a [Yaml], kind: &str) -> &'a Yaml {
    let found: Vec<&Yaml> = docs
        .iter()
        .filter(|d| d["kind"].as_str() == Some(kind))
        .collect();
    assert_eq!(found.len(), 1, "one {kind}");
    found[0]
}

fn text(value: &Yaml) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value:?}"))
}

/// What the tests need of a Job's pod: its one container's shell script and the log
/// directory's volume.
struct Pod<'a> {
    script: &'a str,
    logdir: &'a str,
    claim: &'a str,
}

fn pod(job: &Yaml) -> Pod<'_> {
    let spec = &job["spec"]["template"]["spec"];
    assert_eq!(spec["restartPolicy"].as_str(), Some("Never"));
    let grace = spec["terminationGracePeriodSeconds"].as_i64().unwrap_or(0);
    assert!(grace >= 30, "terminationGracePeriodSeconds {grace}");
    let containers = spec["containers"].as_vec().expect("containers");
    assert_eq!(containers.len(), 1);
    let container = &containers[0];
    let command: Vec<&str> = container["command"]
        .as_vec()
        .expect("a command")
        .iter()
        .map(text)
        .collect();
    assert_eq!(command, ["/bin/sh", "-c"]);
    let args = container["args"].as_vec().expect("args");
    assert_eq!(args.len(), 1);
    let script = text(&args[0]);
    // exec: tbtrain itself gets the kubelet's SIGTERM.
    assert!(script.starts_with("exec tbtrain sweep "), "{script}");
    let env = |name: &str| {
        container["env"]
            .as_vec()
            .expect("env")
            .iter()
            .find(|e| e["name"].as_str() == Some(name))
            .map(|e| text(&e["value"]))
    };
    let logdir = env("LOGDIR").expect("a LOGDIR");
    let mounts = container["volumeMounts"].as_vec().expect("volumeMounts");
    assert_eq!(mounts.len(), 1);
    let volume = text(&mounts[0]["name"]);
    let mount = text(&mounts[0]["mountPath"]);
    assert!(
        logdir.starts_with(&format!("{}/", mount.trim_end_matches('/'))),
        "LOGDIR {logdir} is not on the volume mounted at {mount}"
    );
    let volumes = spec["volumes"].as_vec().expect("volumes");
    let claim = volumes
        .iter()
        .find(|v| v["name"].as_str() == Some(volume))
        .map(|v| text(&v["persistentVolumeClaim"]["claimName"]))
        .expect("the mounted volume is a persistentVolumeClaim");
    Pod {
        script,
        logdir,
        claim,
    }
}

#[test]
fn the_sweep_is_an_indexed_job_over_a_shared_volume() {
    let docs = manifest("sweep-indexed-job.yaml");
    let job = document(&docs, "Job");
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let n = spec["completions"].as_i64().expect("completions");
    assert!(n > 1);
    assert_eq!(spec["parallelism"].as_i64(), Some(n));
    let pod = pod(job);
    assert!(
        pod.script
            .contains(&format!(r#"--shard "$JOB_COMPLETION_INDEX/{n}""#)),
        "{}",
        pod.script
    );
    assert!(pod.script.contains("--resume"), "{}", pod.script);
    assert!(
        pod.script.contains(r#"--logdir "$LOGDIR""#),
        "{}",
        pod.script
    );
    // An eviction or preemption is retried without counting as a failure.
    let rules = spec["podFailurePolicy"]["rules"]
        .as_vec()
        .expect("podFailurePolicy rules");
    assert!(rules.iter().any(|r| {
        r["action"].as_str() == Some("Ignore")
            && r["onPodConditions"].as_vec().is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"].as_str() == Some("DisruptionTarget"))
            })
    }));

    let claim = document(&docs, "PersistentVolumeClaim");
    assert_eq!(claim["metadata"]["name"].as_str(), Some(pod.claim));
    let modes: Vec<&str> = claim["spec"]["accessModes"]
        .as_vec()
        .expect("accessModes")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        modes,
        ["ReadWriteMany"],
        "every pod writes the one log directory"
    );
}

#[test]
fn the_summary_job_reads_the_same_volume_and_log_directory() {
    let sweep = manifest("sweep-indexed-job.yaml");
    let summary = manifest("summarize-job.yaml");
    let (sweep, summary) = (pod(document(&sweep, "Job")), pod(document(&summary, "Job")));
    assert_eq!(summary.claim, sweep.claim);
    assert_eq!(summary.logdir, sweep.logdir);
    assert_eq!(
        summary.script,
        r#"exec tbtrain sweep --summarize-only --logdir "$LOGDIR""#
    );
}

/// Runs a container's script with `sh -c`, `tbtrain` on the PATH, and `env`.
fn run_script(dir: &Path, script: &str, env: &[(&str, &str)]) -> String {
    let bin = dir.join("bin");
    if !bin.exists() {
        fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(BIN, bin.join("tbtrain")).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("/bin/sh")
        .args(["-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{script} with {env:?}: {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_containers_scripts_run_as_written_give_the_unsharded_summary() {
    let dir = tempfile::tempdir().unwrap();
    let sweep_docs = manifest("sweep-indexed-job.yaml");
    let summary_docs = manifest("summarize-job.yaml");
    let job = document(&sweep_docs, "Job");
    let n = job["spec"]["completions"].as_i64().unwrap();
    let (sweep, summary) = (pod(job), pod(document(&summary_docs, "Job")));
    let small = "--act sigmoid,relu --depth 2 --seeds 1..4 --steps 200 -q";
    let logdir = dir.path().join("lesson");
    let l = logdir.to_str().unwrap();
    for index in 0..n {
        let index = index.to_string();
        let env = [
            ("SWEEP", small),
            ("LOGDIR", l),
            ("JOB_COMPLETION_INDEX", index.as_str()),
        ];
        run_script(dir.path(), sweep.script, &env);
    }
    run_script(dir.path(), summary.script, &[("LOGDIR", l)]);
    let unsharded = format!("exec tbtrain sweep {small} --logdir unsharded");
    run_script(dir.path(), &unsharded, &[]);
    for file in ["summary.md", "summary.csv"] {
        let got = fs::read_to_string(logdir.join("summary").join(file)).unwrap();
        let want = fs::read_to_string(dir.path().join("unsharded/summary").join(file)).unwrap();
        assert_eq!(got, want, "{file}");
    }
    let md = fs::read_to_string(logdir.join("summary/summary.md")).unwrap();
    assert!(
        md.starts_with("8 runs in 2 configurations, 0 failed\n"),
        "{md}"
    );
}
