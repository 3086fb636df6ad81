//! Progress of long admin tasks (import, coordinate join, export), driven
//! by bytes read or written. The command line draws it; library callers
//! and tests pass [`NoProgress`].

use std::io::{Read, Write};

/// Where progress goes.
pub trait Progress {
    /// `n` more bytes done.
    fn advance(&self, n: u64);
}

/// Progress nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&self, _: u64) {}
}

/// A reader that reports every byte it reads.
pub struct ProgressRead<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
}

impl<'a, R> ProgressRead<'a, R> {
    pub fn new(inner: R, progress: &'a dyn Progress) -> Self {
        ProgressRead { inner, progress }
    }
}

impl<R: Read> Read for ProgressRead<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// A writer that reports every byte it writes.
pub struct ProgressWrite<'a, W> {
    inner: W,
    progress: &'a dyn Progress,
}

impl<'a, W> ProgressWrite<'a, W> {
    pub fn new(inner: W, progress: &'a dyn Progress) -> Self {
        ProgressWrite { inner, progress }
    }
}

impl<W: Write> Write for ProgressWrite<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
