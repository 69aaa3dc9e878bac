//! The `.swz` container: header, method parameters, one CRC-checked payload chunk per channel.
//! The byte layout is specified in `docs/FORMAT.md`; this module is its only implementation.
//!
//! Parsing never trusts the file: every length is checked against the bytes present and
//! against [`Limits`] before anything is allocated, and every check failure is an
//! [`Error::Corrupt`] whose message says what was wrong.

use super::limits::{self, Limits, MAX_PARAMS};
use super::params::id::HYBRID;
use super::segment::Geometry;
use crate::{Error, Result};

/// The four bytes every `.swz` file starts with.
pub const MAGIC: [u8; 4] = *b"SWZ\x1a";
/// The format version this code writes.
pub const VERSION: u16 = 5;
/// The oldest format version this code reads (versions 1 and 2 differ only in the sparse
/// payloads' entropy coding and have no channel coding).
pub const OLDEST_VERSION: u16 = 1;
/// The first version with a channel coding field (before: a reserved 0).
pub const CHANNEL_CODING_VERSION: u16 = 3;
/// The first version with segmented files ([`SEGMENTED_METHOD`]).
pub const SEGMENTED_VERSION: u16 = 4;
/// The method id of a segmented file (version 4): its parameter block is a
/// [`SegmentedHeader`]'s, its chunks are whole single-segment files.
pub const SEGMENTED_METHOD: u8 = 0;

/// How the stored channels relate to the audio's (header bytes 10–11 from version 3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub enum ChannelCoding {
    /// Channel c is stored as channel c.
    #[default]
    Independent,
    /// Two channels stored as mid M = (L + R)/√2 and side S = (L − R)/√2 (an orthonormal
    /// rotation: squared errors and the joint SNR are the same on both sides of it);
    /// the decoder returns L = (M + S)/√2, R = (M − S)/√2.
    MidSide,
}

impl ChannelCoding {
    fn code(self) -> u16 {
        match self {
            ChannelCoding::Independent => 0,
            ChannelCoding::MidSide => 1,
        }
    }
}
/// Bytes of the fixed header before the method parameters.
pub const FIXED_HEADER: usize = 28;
/// `reason` as a [`Error::Corrupt`].
pub(crate) fn corrupt(reason: impl Into<String>) -> Error {
    Error::Corrupt(reason.into())
}

/// `e` as a [`Error::Corrupt`] whose reason starts with `context` (a channel, a field): a
/// check that names a parameter becomes damage when the value came from a file.
pub(crate) fn corrupt_in(context: impl std::fmt::Display, e: Error) -> Error {
    match e {
        Error::Corrupt(reason) => Error::Corrupt(format!("{context}: {reason}")),
        other => Error::Corrupt(format!("{context}: {other}")),
    }
}

/// `e` as a [`Error::Corrupt`] (unchanged if it is one).
pub(crate) fn as_corrupt(e: Error) -> Error {
    match e {
        Error::Corrupt(_) => e,
        other => Error::Corrupt(other.to_string()),
    }
}

/// The fixed header fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// Method id ([`super::params::id`]).
    pub method: u8,
    /// Source sample format: 0 = 32-bit float, 1 = 64-bit float, else integer bit depth.
    pub source_format: u8,
    /// Channel count (1..=[`MAX_CHANNELS`](super::limits::MAX_CHANNELS)).
    pub channels: u16,
    /// Sample rate in Hz (1..=[`MAX_SAMPLE_RATE`](super::limits::MAX_SAMPLE_RATE)).
    pub sample_rate: u32,
    /// Samples per channel.
    pub frames: u64,
    /// How the stored channels relate to the audio's (always independent before version 3).
    pub channel_coding: ChannelCoding,
    /// The method's parameter block (layout per method, see `docs/FORMAT.md`).
    pub params: Vec<u8>,
}

/// Serialize `header` and one payload per channel.
pub fn write_file(header: &Header, payloads: &[Vec<u8>]) -> Vec<u8> {
    debug_assert_eq!(payloads.len(), usize::from(header.channels));
    let mut out = write_header(header);
    for p in payloads {
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(p).to_le_bytes());
        out.extend_from_slice(p);
    }
    out
}

/// Serialize `header`: the fixed fields, the parameter block and the header CRC.
pub fn write_header(header: &Header) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.push(header.method);
    out.push(header.source_format);
    out.extend_from_slice(&header.channels.to_le_bytes());
    out.extend_from_slice(&header.channel_coding.code().to_le_bytes());
    out.extend_from_slice(&header.sample_rate.to_le_bytes());
    out.extend_from_slice(&header.frames.to_le_bytes());
    out.extend_from_slice(&(header.params.len() as u32).to_le_bytes());
    out.extend_from_slice(&header.params);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Header and per-channel payload slices of a file, all checks passed.
#[derive(Debug)]
pub struct Parsed<'a> {
    /// The format version of the file.
    pub version: u16,
    /// The header fields.
    pub header: Header,
    /// Bytes of the header including its CRC.
    pub header_bytes: usize,
    /// One payload per channel, CRC checked.
    pub payloads: Vec<&'a [u8]>,
}

/// Parse and check a whole single-segment file: magic, version, header CRC, limits, chunk
/// lengths and CRCs, no trailing bytes. A segmented file is an error here
/// ([`SegmentedReader`] reads those).
pub fn parse_file(bytes: &[u8], limits: Limits) -> Result<Parsed<'_>> {
    let mut r = ByteReader::new(bytes);
    let (version, header) = parse_header(&mut r)?;
    if header.method == SEGMENTED_METHOD {
        return Err(corrupt(
            "a segmented file where one segment was expected (segments do not nest)",
        ));
    }
    if header.method == HYBRID {
        return Err(corrupt(
            "a hybrid file where a one-method file was expected (layers do not nest)",
        ));
    }
    limits
        .check(usize::from(header.channels), header.frames)
        .map_err(as_corrupt)?;
    let channels = header.channels;
    let header_bytes = r.pos;
    let mut payloads = Vec::with_capacity(usize::from(channels));
    for c in 0..channels {
        let len = r.u32("a chunk length")? as usize;
        let crc = r.u32("a chunk CRC")?;
        if len > r.remaining() {
            return Err(corrupt(format!(
                "channel {c} declares a {len}-byte payload but only {} bytes follow \
                 (the file is truncated)",
                r.remaining()
            )));
        }
        let payload = r.take(len, "a payload")?;
        if crc32fast::hash(payload) != crc {
            return Err(corrupt(format!(
                "channel {c}: payload CRC mismatch (the data is damaged)"
            )));
        }
        payloads.push(payload);
    }
    if r.remaining() != 0 {
        return Err(corrupt(format!(
            "{} unexpected bytes after the last channel",
            r.remaining()
        )));
    }
    Ok(Parsed {
        version,
        header,
        header_bytes,
        payloads,
    })
}

/// Parse and check the header of any file (the fixed fields, the parameter block and the
/// header CRC), leaving `r` after the CRC. The total length is checked against [`Limits`] by
/// the caller: a single-segment file is decoded whole, a segmented one segment by segment.
pub fn parse_header(r: &mut ByteReader<'_>) -> Result<(u16, Header)> {
    let magic = r.take(4, "the magic number")?;
    if magic != MAGIC {
        return Err(corrupt("not a .swz file (wrong magic number)"));
    }
    let version = r.u16("the format version")?;
    if !(OLDEST_VERSION..=VERSION).contains(&version) {
        return Err(corrupt(format!(
            "format version {version} is not supported (this build reads versions \
             {OLDEST_VERSION} to {VERSION})"
        )));
    }
    let method = r.u8("the method id")?;
    let source_format = r.u8("the source sample format")?;
    let channels = r.u16("the channel count")?;
    let coding = r.u16("the channel coding")?;
    let sample_rate = r.u32("the sample rate")?;
    let frames = r.u64("the length")?;
    let params_len = r.u32("the parameter length")? as usize;
    if params_len > MAX_PARAMS {
        return Err(corrupt(format!(
            "parameter block of {params_len} bytes exceeds the limit of {MAX_PARAMS}"
        )));
    }
    let params = r.take(params_len, "the method parameters")?.to_vec();
    let header_end = r.pos;
    let crc = r.u32("the header CRC")?;
    if crc != crc32fast::hash(&r.bytes[..header_end]) {
        return Err(corrupt("header CRC mismatch (the header is damaged)"));
    }
    let channel_coding = match coding {
        0 => ChannelCoding::Independent,
        _ if version < CHANNEL_CODING_VERSION || method == SEGMENTED_METHOD || method == HYBRID => {
            return Err(corrupt("reserved header field is not zero"))
        }
        1 if channels == 2 => ChannelCoding::MidSide,
        1 => {
            return Err(corrupt(format!(
                "mid/side channel coding needs 2 channels, the file has {channels}"
            )))
        }
        c => return Err(corrupt(format!("unknown channel coding {c}"))),
    };
    if method == SEGMENTED_METHOD && version < SEGMENTED_VERSION {
        return Err(corrupt(format!(
            "method id 0 (segmented) does not exist in format version {version}"
        )));
    }
    if method == HYBRID && version < SEGMENTED_VERSION {
        return Err(corrupt(format!(
            "method id {HYBRID} (hybrid) does not exist in format version {version}"
        )));
    }
    limits::check_channels(usize::from(channels)).map_err(as_corrupt)?;
    limits::check_sample_rate(sample_rate).map_err(as_corrupt)?;
    if frames == 0 {
        return Err(corrupt("the declared length is 0 samples"));
    }
    Ok((
        version,
        Header {
            method,
            source_format,
            channels,
            sample_rate,
            frames,
            channel_coding,
            params,
        },
    ))
}

/// Bytes of a segmented file's parameter block: `u32` segment length L, `u32` overlap V,
/// `u64` segment count K.
pub const SEGMENTED_PARAMS: usize = 16;
/// Bytes before each chunk's content: its length and its CRC-32.
pub const CHUNK_PREFIX: usize = 8;
/// Bytes of a segmented file's header (fixed fields, parameter block, CRC).
pub const SEGMENTED_HEADER: usize = FIXED_HEADER + SEGMENTED_PARAMS + 4;

/// The header of a segmented file (format version 4, method id [`SEGMENTED_METHOD`]): the
/// signal's fields and how it is cut ([`Geometry`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentedHeader {
    /// Source sample format (as [`Header::source_format`]); every segment records the same.
    pub source_format: u8,
    /// Channel count.
    pub channels: u16,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Segment length, overlap, count and the total length.
    pub geometry: Geometry,
}

impl SegmentedHeader {
    /// The header's bytes (fixed fields, parameter block, CRC).
    pub fn to_bytes(&self) -> Vec<u8> {
        let g = &self.geometry;
        let mut params = ByteWriter::default();
        params
            .u32(g.samples as u32)
            .u32(g.overlap as u32)
            .u64(g.count);
        let header = Header {
            method: SEGMENTED_METHOD,
            source_format: self.source_format,
            channels: self.channels,
            sample_rate: self.sample_rate,
            frames: g.frames,
            channel_coding: ChannelCoding::Independent,
            params: params.0,
        };
        write_file(&header, &[])
    }

    /// The segmented header of a parsed `header` (method id [`SEGMENTED_METHOD`]): the
    /// parameter block's geometry checked against the length, and one segment against
    /// `limits` (the whole length is not: segments are decoded one at a time).
    fn from_header(header: &Header, limits: Limits) -> Result<Self> {
        if header.params.len() != SEGMENTED_PARAMS {
            return Err(corrupt(format!(
                "a segmented file's parameter block has {} bytes, not {SEGMENTED_PARAMS}",
                header.params.len()
            )));
        }
        let mut r = ByteReader::new(&header.params);
        let samples = r.u32("the segment length")?;
        let overlap = r.u32("the segment overlap")?;
        let count = r.u64("the segment count")?;
        let geometry = Geometry::new(header.frames, u64::from(samples), u64::from(overlap))
            .map_err(as_corrupt)?;
        if geometry.count != count {
            return Err(corrupt(format!(
                "segment count {count} does not match the {} segments of {samples} samples \
                 overlapping by {overlap} that {} samples need",
                geometry.count, header.frames
            )));
        }
        limits
            .check(usize::from(header.channels), geometry.samples)
            .map_err(|e| corrupt(format!("one segment: {}", as_corrupt(e))))?;
        Ok(SegmentedHeader {
            source_format: header.source_format,
            channels: header.channels,
            sample_rate: header.sample_rate,
            geometry,
        })
    }
}

/// The length and CRC-32 that precede a segment's file in a segmented file.
pub fn chunk_prefix(file: &[u8]) -> [u8; CHUNK_PREFIX] {
    let mut prefix = [0; CHUNK_PREFIX];
    prefix[..4].copy_from_slice(&(file.len() as u32).to_le_bytes());
    prefix[4..].copy_from_slice(&crc32fast::hash(file).to_le_bytes());
    prefix
}

/// A `.swz` file opened from a byte source ([`open`]).
pub enum Opened<R> {
    /// A single-segment file, read whole (check it with [`parse_file`]).
    Single(Vec<u8>),
    /// A segmented file, its header read and checked: the segments follow.
    Segmented(SegmentedReader<R>),
}

/// Open the `.swz` file of `len` bytes that `source` delivers: read and check its header;
/// a single-segment file is then read whole, a segmented one is left for
/// [`SegmentedReader::next_segment`]. Nothing is allocated beyond the `len` bytes present.
pub fn open<R: std::io::Read>(mut source: R, len: u64, limits: Limits) -> Result<Opened<R>> {
    let mut head = read_exact(&mut source, FIXED_HEADER.min(len as usize), "the header")?;
    if (head.len() as u64) < len && head.len() == FIXED_HEADER {
        let params = u32::from_le_bytes(head[24..28].try_into().expect("4 bytes")) as usize;
        // The parameter block and the CRC (an oversized block is refused by the parser).
        let rest = (params.min(MAX_PARAMS + 1) + 4).min((len - FIXED_HEADER as u64) as usize);
        head.extend(read_exact(&mut source, rest, "the header")?);
    }
    let mut r = ByteReader::new(&head);
    let (version, header) = parse_header(&mut r)?;
    let header_bytes = r.pos;
    if header.method != SEGMENTED_METHOD {
        let rest = usize::try_from(len - head.len() as u64)
            .map_err(|_| corrupt("the file is larger than this machine can hold"))?;
        head.extend(read_exact(&mut source, rest, "the payloads")?);
        return Ok(Opened::Single(head));
    }
    let outer = SegmentedHeader::from_header(&header, limits)?;
    Ok(Opened::Segmented(SegmentedReader {
        source,
        remaining: len - header_bytes as u64,
        version,
        header: outer,
        header_bytes,
        next: 0,
    }))
}

/// `n` bytes from `source` (a short read is a truncated file).
fn read_exact<R: std::io::Read>(source: &mut R, n: usize, what: &str) -> Result<Vec<u8>> {
    let mut buf = vec![0; n];
    source.read_exact(&mut buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            corrupt(format!("truncated: {what} ends before {n} bytes"))
        }
        _ => Error::io(std::path::Path::new("the .swz input"), e),
    })?;
    Ok(buf)
}

/// The segments of a segmented file, read one at a time: each is a complete single-segment
/// file of the same version, CRC-checked, whose header agrees with the outer one (channels,
/// sample rate, source format, the segment's length). After the last, trailing bytes are an
/// error. Memory: one segment's file.
pub struct SegmentedReader<R> {
    source: R,
    /// Bytes of the file not read yet.
    remaining: u64,
    version: u16,
    header: SegmentedHeader,
    header_bytes: usize,
    /// Index of the next segment.
    next: u64,
}

impl<R: std::io::Read> SegmentedReader<R> {
    /// The outer header.
    pub fn header(&self) -> &SegmentedHeader {
        &self.header
    }

    /// The file's format version.
    pub fn version(&self) -> u16 {
        self.version
    }

    /// Bytes of the outer header.
    pub fn header_bytes(&self) -> usize {
        self.header_bytes
    }

    /// The next segment's file (`None` after the last, once the end of the file is checked).
    pub fn next_segment(&mut self) -> Result<Option<Vec<u8>>> {
        let g = self.header.geometry;
        let i = self.next;
        if i == g.count {
            if self.remaining != 0 {
                return Err(corrupt(format!(
                    "{} unexpected bytes after the last segment",
                    self.remaining
                )));
            }
            return Ok(None);
        }
        if self.remaining < CHUNK_PREFIX as u64 {
            return Err(corrupt(format!(
                "segment {i} of {} is missing (the file is truncated)",
                g.count
            )));
        }
        let prefix = read_exact(&mut self.source, CHUNK_PREFIX, "a segment's length")?;
        self.remaining -= CHUNK_PREFIX as u64;
        let len = u32::from_le_bytes(prefix[..4].try_into().expect("4 bytes"));
        let crc = u32::from_le_bytes(prefix[4..].try_into().expect("4 bytes"));
        if u64::from(len) > self.remaining {
            return Err(corrupt(format!(
                "segment {i} declares a {len}-byte file but only {} bytes follow \
                 (the file is truncated)",
                self.remaining
            )));
        }
        let file = read_exact(&mut self.source, len as usize, "a segment")?;
        self.remaining -= u64::from(len);
        if crc32fast::hash(&file) != crc {
            return Err(corrupt(format!(
                "segment {i}: CRC mismatch (the data is damaged)"
            )));
        }
        let (version, inner) = parse_header(&mut ByteReader::new(&file))
            .map_err(|e| corrupt_in(format_args!("segment {i}"), e))?;
        let h = &self.header;
        let expected = g.len(i) as u64;
        let problem = if inner.method == SEGMENTED_METHOD {
            Some("is itself segmented".to_string())
        } else if version != self.version {
            Some(format!("has version {version}, the file {}", self.version))
        } else if (inner.channels, inner.sample_rate, inner.source_format)
            != (h.channels, h.sample_rate, h.source_format)
        {
            Some("differs from the file in channels, sample rate or source format".into())
        } else if inner.frames != expected {
            Some(format!(
                "holds {} samples where {expected} were expected",
                inner.frames
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(corrupt(format!("segment {i} {problem}")));
        }
        self.next += 1;
        Ok(Some(file))
    }
}

/// A bounds-checked little-endian reader whose errors name the field.
pub struct ByteReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> ByteReader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        ByteReader { bytes, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next `n` bytes; `what` names them in the error when fewer remain.
    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(corrupt(format!(
                "truncated: {what} needs {n} bytes at offset {}, {} remain",
                self.pos,
                self.remaining()
            )));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let s = self.take(N, what)?;
        Ok(s.try_into().expect("take returned N bytes"))
    }

    /// The next byte.
    pub fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    /// The next little-endian `u16`.
    pub fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    /// The next little-endian `u32`.
    pub fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    /// The next little-endian `u64`.
    pub fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// The next little-endian IEEE 754 `f64`.
    pub fn f64(&mut self, what: &str) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array(what)?))
    }

    /// Error unless every byte was read.
    pub fn finish(&self, what: &str) -> Result<()> {
        if self.remaining() != 0 {
            return Err(corrupt(format!(
                "{what}: {} unexpected trailing bytes",
                self.remaining()
            )));
        }
        Ok(())
    }
}

/// A little-endian writer for parameter blocks and payload prefixes.
#[derive(Default)]
pub struct ByteWriter(pub Vec<u8>);

impl ByteWriter {
    /// Append a byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    /// Append a little-endian `u16`.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Append a little-endian `u32`.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Append a little-endian `u64`.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Append a little-endian IEEE 754 `f64`.
    pub fn f64(&mut self, v: f64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let header = Header {
            method: 1,
            source_format: 16,
            channels: 2,
            sample_rate: 44_100,
            frames: 1000,
            channel_coding: ChannelCoding::MidSide,
            params: vec![1, 2, 3],
        };
        write_file(&header, &[vec![9; 8], vec![7; 4]])
    }

    #[test]
    fn crc_is_the_standard_crc32() {
        // The check value of CRC-32/ISO-HDLC (zlib's crc32) for "123456789".
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn parses_what_it_writes() {
        let bytes = sample();
        let p = parse_file(&bytes, Limits::default()).unwrap();
        assert_eq!(p.header.frames, 1000);
        assert_eq!(p.header.channel_coding, ChannelCoding::MidSide);
        assert_eq!(bytes[10..12], [1, 0]);
        assert_eq!(p.header.params, vec![1, 2, 3]);
        assert_eq!(p.payloads, vec![&[9_u8; 8][..], &[7_u8; 4][..]]);
        assert_eq!(p.header_bytes, FIXED_HEADER + 3 + 4);
    }

    #[test]
    fn limits_are_enforced() {
        let bytes = sample();
        let tight = Limits { max_samples: 1999 };
        let e = parse_file(&bytes, tight).unwrap_err();
        assert!(e.to_string().contains("limit"), "{e:?}");
    }
}
