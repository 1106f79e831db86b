//! Reading a run's event files, in name order as both loaders do, as a stream of
//! events; twice when the points shown must be known ([`super::timeline`]).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::timeline::{Cuts, Series};
use super::wire::{with_event, EventView, Payload, ValueView};
use crate::events::reader::{EventReader, Problem};

/// Read buffer per file: large reads are faster on big logs.
const BUFFER: usize = 1 << 18;

/// A run's files and how far the first pass read each (a file still being written may
/// grow; later passes stop where the first one did, so they read the same events).
#[derive(Debug)]
pub(crate) struct RunFilesRead {
    files: Vec<PathBuf>,
    extents: Vec<Option<u64>>,
}

/// The name a problem is reported under: the file's name.
fn file_label(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| super::name::RunName::from_os(n).to_text(),
    )
}

impl RunFilesRead {
    pub fn new(files: Vec<PathBuf>) -> Self {
        let extents = vec![None; files.len()];
        RunFilesRead { files, extents }
    }

    /// Reads every event until `event` returns false; the first call (which must read
    /// to the end) records each file's extent, later ones stop there. Each problem (a corrupt record, a file that cannot be opened) is given to
    /// `problem` as `<file name>: <problem>`, once (later calls report only a file
    /// that was read and can no longer be opened).
    pub fn read(
        &mut self,
        mut problem: impl FnMut(String),
        mut event: impl FnMut(&EventView<'_>) -> bool,
    ) {
        for (path, extent) in self.files.iter().zip(&mut self.extents) {
            let first = extent.is_none();
            let label = file_label(path);
            let file = match File::open(path) {
                Ok(file) => file,
                Err(source) => {
                    // Reported once: on the first pass, or when a file read then has
                    // gone since.
                    if extent.unwrap_or(0) > 0 || first {
                        problem(format!("{label}: {}", Problem::Open { source }));
                    }
                    *extent = Some(0);
                    continue;
                }
            };
            let limit = extent.unwrap_or(u64::MAX);
            let mut reader = EventReader::with_path(
                BufReader::with_capacity(BUFFER, file.take(limit)),
                path.clone(),
            );
            while let Some(item) = reader.next_record() {
                match item {
                    Ok((offset, record)) => match with_event(record, |e| event(&e)) {
                        Ok(true) => {}
                        Ok(false) => return,
                        Err(source) => {
                            if first {
                                problem(format!("{label}: {}", Problem::Decode { offset, source }));
                            }
                        }
                    },
                    Err(e) => {
                        if first {
                            problem(format!("{label}: {}", e.problem));
                        }
                    }
                }
            }
            if first {
                *extent = Some(reader.offset());
            }
        }
    }

    /// A second pass after [`Cuts::scan`] read every event: each point neither rule
    /// drops and `keep` keeps, in file order, with its series, step and wall time.
    pub fn shown(
        &mut self,
        cuts: &mut Cuts,
        keep: impl Fn(&Series, Payload<'_>) -> bool + Copy,
        mut shown: impl FnMut(&Series, ValueView<'_>, i64, f64) -> bool,
    ) {
        cuts.rewind();
        self.read(|_| {}, |e| cuts.shown(e, keep, &mut shown));
    }
}
