//! A file (or pipe) of raw pages, read front to back.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use zswap_core::page::PAGE_SIZE;

use super::{PageSource, SourceSummary};
use crate::error::{AnalyzeError, Result};

/// Raw pages from a file; a tail shorter than a page is counted in `bytes_ignored`.
#[derive(Debug)]
pub struct FileSource {
    path: PathBuf,
    reader: Box<dyn ReadSend>,
    len: Option<u64>,
    summary: SourceSummary,
    done: bool,
}

/// `Read + Send + Debug`, for the boxed reader.
pub trait ReadSend: Read + Send + std::fmt::Debug {}
impl<T: Read + Send + std::fmt::Debug> ReadSend for T {}

impl FileSource {
    /// Opens `path`. A regular file shorter than one page is refused as empty.
    pub fn open(path: &Path) -> Result<FileSource> {
        let file = File::open(path).map_err(|e| AnalyzeError::open(path, e))?;
        let meta = file.metadata().map_err(|e| AnalyzeError::open(path, e))?;
        if meta.is_dir() {
            return Err(AnalyzeError::Unreadable {
                path: path.to_owned(),
                source: io::Error::new(io::ErrorKind::IsADirectory, "it is a directory"),
            });
        }
        let len = meta.is_file().then_some(meta.len());
        if let Some(bytes) = len
            && bytes < PAGE_SIZE as u64
        {
            return Err(AnalyzeError::Empty {
                path: path.to_owned(),
                bytes,
            });
        }
        Ok(FileSource::from_reader(path, Box::new(file), len))
    }

    /// Pages from any reader; `path` names it in messages, `len` is its size if known.
    pub fn from_reader(path: &Path, reader: Box<dyn ReadSend>, len: Option<u64>) -> FileSource {
        FileSource {
            path: path.to_owned(),
            reader,
            len,
            summary: SourceSummary {
                kind: "file",
                name: path.display().to_string(),
                ..SourceSummary::default()
            },
            done: false,
        }
    }
}

impl PageSource for FileSource {
    fn read_pages(&mut self, buf: &mut [u8]) -> Result<usize> {
        if self.done {
            return Ok(0);
        }
        let mut filled = 0;
        while filled < buf.len() {
            match self.reader.read(&mut buf[filled..]) {
                Ok(0) => {
                    self.done = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(AnalyzeError::Unreadable {
                        path: self.path.clone(),
                        source,
                    });
                }
            }
        }
        let pages = filled / PAGE_SIZE;
        self.summary.bytes_ignored += (filled % PAGE_SIZE) as u64;
        self.summary.pages += pages as u64;
        if self.done && self.summary.pages == 0 {
            return Err(AnalyzeError::Empty {
                path: self.path.clone(),
                bytes: self.summary.bytes_ignored,
            });
        }
        Ok(pages)
    }

    fn pages_hint(&self) -> Option<u64> {
        self.len.map(|l| l / PAGE_SIZE as u64)
    }

    fn summary(&self) -> SourceSummary {
        self.summary.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn source(bytes: Vec<u8>) -> FileSource {
        let len = bytes.len() as u64;
        FileSource::from_reader(Path::new("mem"), Box::new(Cursor::new(bytes)), Some(len))
    }

    #[test]
    fn reads_whole_pages_and_counts_the_tail() {
        let mut s = source(vec![1u8; 3 * PAGE_SIZE + 100]);
        let mut buf = vec![0u8; 2 * PAGE_SIZE];
        assert_eq!(s.read_pages(&mut buf).unwrap(), 2);
        assert_eq!(s.read_pages(&mut buf).unwrap(), 1);
        assert_eq!(s.read_pages(&mut buf).unwrap(), 0);
        let sum = s.summary();
        assert_eq!((sum.pages, sum.bytes_ignored), (3, 100));
    }

    #[test]
    fn short_stream_is_empty() {
        let mut s = source(vec![1u8; 10]);
        let mut buf = vec![0u8; PAGE_SIZE];
        assert!(matches!(
            s.read_pages(&mut buf),
            Err(AnalyzeError::Empty { bytes: 10, .. })
        ));
    }

    #[test]
    fn missing_file_is_not_found() {
        let err = FileSource::open(Path::new("/nonexistent/zswap-analyze")).unwrap_err();
        assert!(matches!(err, AnalyzeError::NotFound { .. }), "{err}");
        assert!(err.to_string().contains("'/nonexistent/zswap-analyze'"));
    }
}
