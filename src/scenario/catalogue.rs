//! The catalogues: the built-in one compiled into the binary, and a folder of
//! scenario files.

use super::spans::{line_of, Loc, Spans};
use super::{Scenario, ScenarioError};
use std::path::{Path, PathBuf};

/// The built-in catalogue: `verify/*.toml` as compiled into the binary (the build
/// script lists the folder, so a new file is picked up), `(file name, text)`, sorted
/// by file name.
pub const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// The folder the built-in catalogue was compiled from, relative to the repository:
/// how reports name its files (`verify/seed-sequential.toml`).
pub const BUILTIN_DIR: &str = "verify";

/// The built-in catalogue's scenarios, each with its path under [`BUILTIN_DIR`].
pub fn builtin_catalogue() -> Result<Vec<Scenario>, ScenarioError> {
    let scenarios = BUILTIN
        .iter()
        .map(|(name, text)| {
            let path = Path::new(BUILTIN_DIR).join(name);
            let mut s = Scenario::from_toml(text, &path.display().to_string())?;
            s.path = Some(path);
            Ok::<_, ScenarioError>(s)
        })
        .collect::<Result<Vec<_>, _>>()?;
    unique_names(&scenarios)?;
    Ok(scenarios)
}

impl Scenario {
    /// [`Scenario::from_path`], or, when no file is there and `path` names a built-in
    /// scenario (`verify/seed-sequential.toml`, as reproduce lines print it, or its
    /// name, `seed-sequential`), the built-in copy: reproduce lines work from any
    /// folder.
    pub fn from_path_or_builtin(path: &Path) -> Result<Self, ScenarioError> {
        if !path.exists() {
            let wanted = |file: &str| {
                path == Path::new(BUILTIN_DIR).join(file)
                    || Some(path.as_os_str()) == Path::new(file).file_stem().map(|s| s as _)
            };
            if let Some((file, text)) = BUILTIN.iter().find(|(file, _)| wanted(file)) {
                let shown = Path::new(BUILTIN_DIR).join(file);
                let mut s = Scenario::from_toml(text, &shown.display().to_string())?;
                s.path = Some(shown);
                return Ok(s);
            }
        }
        Scenario::from_path(path)
    }
}

/// Reads every `*.toml` under `dir`, sorted by file name. A folder that cannot be
/// read or holds no `*.toml` is an error, as are two files of one scenario name.
pub fn load_catalogue(dir: &Path) -> Result<Vec<Scenario>, ScenarioError> {
    let folder = |source| ScenarioError::Folder {
        dir: dir.to_owned(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(folder)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(folder)?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    if paths.is_empty() {
        return Err(ScenarioError::EmptyFolder {
            dir: dir.to_owned(),
        });
    }
    paths.sort();
    let scenarios = paths
        .iter()
        .map(|p| Scenario::from_path(p))
        .collect::<Result<Vec<_>, _>>()?;
    unique_names(&scenarios)?;
    Ok(scenarios)
}

/// Two scenarios of one catalogue may not share a name.
fn unique_names(scenarios: &[Scenario]) -> Result<(), ScenarioError> {
    let mut names: std::collections::HashMap<&str, &Scenario> = std::collections::HashMap::new();
    for s in scenarios {
        if let Some(first) = names.insert(&s.name, s) {
            let shown = |s: &Scenario| {
                s.path
                    .as_ref()
                    .map_or_else(|| s.name.clone(), |p| p.display().to_string())
            };
            let line = s.path.as_ref().and_then(|p| {
                let text = std::fs::read_to_string(p).ok()?;
                let spans: Spans = toml::from_str(&text).ok()?;
                spans.offset(&Loc::Top("name")).map(|o| line_of(&text, o))
            });
            return Err(ScenarioError::Invalid {
                file: Some(shown(s)),
                line,
                name: s.name.clone(),
                message: format!(
                    "scenario name `{}` is already used by {}",
                    s.name,
                    shown(first)
                ),
            });
        }
    }
    Ok(())
}
