//! `walkbook-dev generate`: write a synthetic campaign to files.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use walkbook_core::generate::{GenerateOptions, generate_campaign, write_voter_csv};
use walkbook_core::model::{ReferenceData, validate_reference_data};

use super::CliError;
use super::summary::{print_files, print_summary};

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of households (doors); each has 1–4 voters.
    #[arg(long, default_value_t = 1000)]
    pub households: usize,
    /// The same seed always generates the same campaign.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory to write campaign.json and voters.csv into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: &GenerateArgs) -> Result<(), CliError> {
    let data = generate_validated(&GenerateOptions {
        households: args.households,
        seed: args.seed,
    })?;
    let files = write_campaign_files(&data, &args.out)?;
    print_summary(&data);
    print_files(&files);
    Ok(())
}

/// Generates a campaign and checks it as the server's loader would.
pub fn generate_validated(opts: &GenerateOptions) -> Result<ReferenceData, CliError> {
    let data = generate_campaign(opts);
    validate_reference_data(&data)?;
    Ok(data)
}

/// A file written, with its size for the summary.
pub struct WrittenFile {
    pub path: PathBuf,
    pub bytes: u64,
}

/// Writes `dir/campaign.json` (pretty JSON reference data) and
/// `dir/voters.csv` (voter-file-style CSV), creating `dir` if needed.
pub fn write_campaign_files(
    data: &ReferenceData,
    dir: &Path,
) -> Result<Vec<WrittenFile>, CliError> {
    fs::create_dir_all(dir).map_err(|source| CliError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let json = write_file(&dir.join("campaign.json"), |w| {
        serde_json::to_writer_pretty(&mut *w, data)?;
        w.write_all(b"\n")
    })?;
    let csv = write_file(&dir.join("voters.csv"), |w| {
        write_voter_csv(data, w).map_err(std::io::Error::from)
    })?;
    Ok(vec![json, csv])
}

fn write_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<WrittenFile, CliError> {
    let wrap = |source| CliError::WriteFile {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(wrap)?;
    let mut w = BufWriter::new(file);
    write(&mut w).map_err(wrap)?;
    let file = w.into_inner().map_err(|e| wrap(e.into_error()))?;
    let bytes = file.metadata().map_err(wrap)?.len();
    Ok(WrittenFile {
        path: path.to_path_buf(),
        bytes,
    })
}
