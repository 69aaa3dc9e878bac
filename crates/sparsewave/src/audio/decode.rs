//! Decoding WAV, FLAC, MP3 and Ogg Vorbis into [`Audio`] through symphonia.

use super::{Audio, SampleFormat};
use crate::{memory, Error, Result};
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymErr;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

/// Read and decode an audio file. Errors name `path` and say what is wrong with it.
///
/// Checks made beyond the decoder's own: the file is not empty, it holds at least one sample,
/// a WAV or FLAC file holds as many frames as its header declares (a truncated file is an
/// error, not a shorter signal), every sample is finite, and the decoded samples fit in the
/// [memory limit](crate::memory) — checked against the header's frame count before decoding,
/// and as the samples arrive for streams (pipes, devices) and formats that declare none.
/// The file is streamed, never read whole into memory: this is [`BlockReader`] with the blocks
/// appended.
pub fn decode_file(path: &Path) -> Result<Audio> {
    let source = open_source(path)?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    decode_source(source, ext).map_err(|reason| Error::bad_input(path, reason))
}

/// The media source of `path`: the file itself, or for a pipe or a device a stream made
/// seekable over what has been read. Errors name `path`.
fn open_source(path: &Path) -> Result<Box<dyn MediaSource>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::bad_input(path, "is a folder, not an audio file"));
    }
    Ok(if meta.is_file() {
        if meta.len() == 0 {
            return Err(Error::bad_input(path, "file is empty"));
        }
        Box::new(file)
    } else {
        // A pipe or a device: the reader probes by reading ahead and seeking back.
        Box::new(RewindableStream::new(file))
    })
}

/// Decode audio held in memory; `extension` is a hint ("wav", "flac", …, or "").
/// The error is a plain reason; [`decode_file`] adds the file name.
pub fn decode_reader(bytes: Vec<u8>, extension: &str) -> std::result::Result<Audio, String> {
    if bytes.is_empty() {
        return Err("file is empty".into());
    }
    decode_source(Box::new(Cursor::new(bytes)), extension)
}

/// Frames per block when a whole file is decoded (the unit of the memory checks of streams).
const WHOLE_FILE_BLOCK: usize = 1 << 16;

/// Decode from any media source; the error is a plain reason.
fn decode_source(
    source: Box<dyn MediaSource>,
    extension: &str,
) -> std::result::Result<Audio, String> {
    let mut blocks = BlockDecoder::new(source, extension, WHOLE_FILE_BLOCK)?;
    // The decoded samples and an output of the same size (f64): every command needs at least
    // these; steps that need more check their own buffers.
    let budget = |frames: u64, channels: usize| {
        memory::check(
            || format!("decoding {frames} frames × {channels} channel(s) and an output as large"),
            16.0 * frames as f64 * channels as f64,
        )
        .map_err(|e| e.to_string())
    };
    if let Some(declared) = blocks.declared_frames {
        budget(declared, blocks.declared_channels)?;
    }
    // Each block's buffers go back to the decoder once appended, so the file passes through a
    // few buffers instead of a fresh allocation per block (whose pages the kernel would clear).
    let (spares, spare_buffers) = sync_channel(SPARES_PER_CHANNEL * blocks.declared_channels);
    blocks.spares = Some(spare_buffers);
    let mut channels: Vec<Vec<f64>> = Vec::new();
    while let Some(block) = blocks.next_block()? {
        if channels.is_empty() {
            // The declared length (within the budget checked above) in one allocation: no
            // copies as the channels grow.
            let frames = blocks.declared_frames.unwrap_or(0) as usize;
            channels = (0..block.len())
                .map(|_| {
                    let mut ch = Vec::new();
                    ch.try_reserve_exact(frames)
                        .map(|()| ch)
                        .map_err(|_| format!("cannot allocate {frames} samples"))
                })
                .collect::<std::result::Result<_, _>>()?;
        }
        for (ch, plane) in channels.iter_mut().zip(&block) {
            ch.extend_from_slice(plane);
        }
        for buffer in block {
            if spares.try_send(buffer).is_err() {
                break;
            }
        }
        if blocks.declared_frames.is_none() {
            budget(channels[0].len() as u64, channels.len())?;
        }
    }
    Ok(Audio {
        sample_rate: blocks.sample_rate,
        channels,
        format: blocks.format_of_source,
        codec: blocks.container,
    })
}

/// An audio file decoded block by block: `next_block` yields blocks of `block_frames` frames
/// (the last one shorter), one `Vec<f64>` per channel, exactly the samples [`decode_file`]
/// gives, with its checks (the file is not empty, holds at least one sample, a WAV or FLAC file
/// holds the frames its header declares, every sample is finite); a failed check is an error of
/// the block where it is found.
///
/// From the first `next_block` on, the blocks are decoded one ahead on a thread of their own (a
/// channel of one block), so that decoding runs while the caller works on the previous block;
/// opening a reader only reads the header. Blocks handed back with [`BlockReader::recycle`] are
/// refilled instead of fresh allocations, whose pages the kernel would have to clear. Memory:
/// three blocks, the recycled ones and one codec packet, whatever the file's length.
pub struct BlockReader {
    info: StreamInfo,
    path: std::path::PathBuf,
    /// The decoder until its thread starts, at the first block.
    idle: Option<Box<BlockDecoder>>,
    /// The decoding thread, once started.
    running: Option<DecodingThread>,
    /// An error or the end has been handed out: nothing more will come.
    finished: bool,
}

/// The ends of a [`BlockReader`]'s channels to its decoding thread.
struct DecodingThread {
    /// The thread's blocks, in order; it stops after the last block or an error, or when the
    /// reader is dropped (its next send fails).
    blocks: Receiver<DecodedBlock>,
    /// Channel buffers handed back for the thread to refill.
    spares: SyncSender<Vec<f64>>,
}

/// What the decoding thread sends: a block, the end (`None`), or the reason it failed.
type DecodedBlock = std::result::Result<Option<Vec<Vec<f64>>>, String>;

/// Blocks decoded ahead of the caller and not yet taken (the channel's capacity).
const READ_AHEAD: usize = 1;

/// Recycled channel buffers waiting for the decoding thread, per channel of the stream.
const SPARES_PER_CHANNEL: usize = 2;

/// What the header of a stream states, fixed when it is opened.
struct StreamInfo {
    sample_rate: u32,
    declared_channels: usize,
    format: SampleFormat,
    container: String,
    exact_frames: Option<u64>,
}

impl BlockReader {
    /// Open `path` for reading in blocks of `block_frames ≥ 1` frames. Errors name `path`.
    pub fn open(path: &Path, block_frames: usize) -> Result<Self> {
        if block_frames == 0 {
            return Err(Error::param("block_frames", "must be at least 1"));
        }
        let source = open_source(path)?;
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let decoder = BlockDecoder::new(source, ext, block_frames)
            .map_err(|reason| Error::bad_input(path, reason))?;
        let info = StreamInfo {
            sample_rate: decoder.sample_rate,
            declared_channels: decoder.declared_channels,
            format: decoder.format_of_source,
            container: decoder.container.clone(),
            exact_frames: decoder.declared_frames.filter(|_| decoder.exact_length()),
        };
        Ok(BlockReader {
            info,
            path: path.to_path_buf(),
            idle: Some(Box::new(decoder)),
            running: None,
            finished: false,
        })
    }

    /// The next block (`channels × ≤ block_frames` samples), or `None` after the last. Errors
    /// name the file.
    pub fn next_block(&mut self) -> Result<Option<Vec<Vec<f64>>>> {
        if self.finished {
            return Ok(None);
        }
        if let Some(decoder) = self.idle.take() {
            // A thread that cannot start ends the reading like any other error.
            self.finished = true;
            self.running = Some(self.start(decoder)?);
            self.finished = false;
        }
        let Some(thread) = &self.running else {
            return Ok(None);
        };
        let block = thread
            .blocks
            .recv()
            .unwrap_or_else(|_| Err("the decoder stopped unexpectedly".into()));
        if !matches!(block, Ok(Some(_))) {
            self.finished = true;
        }
        block.map_err(|reason| Error::bad_input(&self.path, reason))
    }

    /// Hand a block's buffers back (any `Vec<f64>`s will do) for the decoding thread to fill
    /// with later samples; those it has no room for are dropped.
    pub fn recycle(&self, block: Vec<Vec<f64>>) {
        if let Some(thread) = &self.running {
            for buffer in block {
                if thread.spares.try_send(buffer).is_err() {
                    break;
                }
            }
        }
    }

    /// Start `decoder`'s thread.
    fn start(&self, mut decoder: Box<BlockDecoder>) -> Result<DecodingThread> {
        let (sender, blocks) = sync_channel(READ_AHEAD);
        let (spares, spare_buffers) =
            sync_channel(SPARES_PER_CHANNEL * self.info.declared_channels);
        decoder.spares = Some(spare_buffers);
        std::thread::Builder::new()
            .name("sparsewave-decode".into())
            .spawn(move || loop {
                let block = decoder.next_block();
                let last = !matches!(block, Ok(Some(_)));
                if sender.send(block).is_err() || last {
                    break;
                }
            })
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(DecodingThread { blocks, spares })
    }

    /// Sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.info.sample_rate
    }

    /// The channel count the header declares (1 when it declares none); the blocks have the
    /// count the codec decodes.
    pub fn channel_count(&self) -> usize {
        self.info.declared_channels
    }

    /// The sample format of the source ([`Audio::format`]).
    pub fn format(&self) -> SampleFormat {
        self.info.format
    }

    /// The container's short name ([`Audio::codec`]).
    pub fn codec(&self) -> &str {
        &self.info.container
    }

    /// The frames per channel the blocks will hold, when the header states them exactly (WAV
    /// and FLAC, whose length is checked against it); `None` for formats whose header count is
    /// absent or only approximate (MP3, Ogg).
    pub fn exact_frames(&self) -> Option<u64> {
        self.info.exact_frames
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The block decoder behind [`BlockReader`] and [`decode_file`]; errors are plain reasons.
struct BlockDecoder {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    sample_rate: u32,
    format_of_source: SampleFormat,
    container: String,
    declared_frames: Option<u64>,
    declared_channels: usize,
    block_frames: usize,
    /// Decoded samples not yet handed out, per channel.
    pending: Vec<Vec<f64>>,
    /// The last packet's samples, per channel.
    planes: Vec<Vec<f64>>,
    /// Frames handed out so far.
    delivered: u64,
    /// The stream has ended (and was checked).
    ended: bool,
    /// Buffers handed back by a [`BlockReader`]'s caller, refilled before new ones are made.
    spares: Option<Receiver<Vec<f64>>>,
}

impl BlockDecoder {
    fn new(
        source: Box<dyn MediaSource>,
        extension: &str,
        block_frames: usize,
    ) -> std::result::Result<Self, String> {
        let mss = MediaSourceStream::new(source, Default::default());
        let format = open_format(mss, extension)?;
        let container = format.format_info().short_name.to_string();
        let track = AudioTrack::of(format.as_ref())?;
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&track.params, &AudioDecoderOptions::default())
            .map_err(|e| format!("unsupported codec: {e}"))?;
        Ok(BlockDecoder {
            format,
            decoder,
            track_id: track.id,
            sample_rate: track.sample_rate,
            format_of_source: sample_format_of(&track.params),
            container,
            declared_frames: track.frames,
            declared_channels: track
                .params
                .channels
                .as_ref()
                .map_or(1, |c| c.count().max(1)),
            block_frames,
            pending: Vec::new(),
            planes: Vec::new(),
            delivered: 0,
            ended: false,
            spares: None,
        })
    }

    /// Whether the container's declared length is exact (and so checked).
    fn exact_length(&self) -> bool {
        matches!(self.container.as_str(), "wave" | "wav" | "flac")
    }

    /// Decode packets until a block is complete or the stream ends.
    fn next_block(&mut self) -> std::result::Result<Option<Vec<Vec<f64>>>, String> {
        while !self.ended && self.pending.first().map_or(0, Vec::len) < self.block_frames {
            if !self.decode_packet()? {
                self.ended = true;
                self.check_length()?;
            }
        }
        let available = self.pending.first().map_or(0, Vec::len);
        if available == 0 {
            return Ok(None);
        }
        let take = available.min(self.block_frames);
        let spares = self.spares.as_ref();
        let block: Vec<Vec<f64>> = self
            .pending
            .iter_mut()
            .map(|ch| {
                // The rest starts the next block, in a recycled buffer or one allocation of its
                // final size.
                let mut rest = spares.and_then(|s| s.try_recv().ok()).unwrap_or_default();
                rest.clear();
                rest.reserve(self.block_frames.max(ch.len() - take));
                rest.extend_from_slice(&ch[take..]);
                ch.truncate(take);
                std::mem::replace(ch, rest)
            })
            .collect();
        for (c, ch) in block.iter().enumerate() {
            if let Some(t) = ch.iter().position(|v| !v.is_finite()) {
                return Err(format!(
                    "sample {} of channel {c} is {} (not a finite number)",
                    self.delivered + t as u64,
                    ch[t]
                ));
            }
        }
        self.delivered += take as u64;
        Ok(Some(block))
    }

    /// Decode the next packet of the track into `pending`; `false` at the end of the stream.
    fn decode_packet(&mut self) -> std::result::Result<bool, String> {
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => return Ok(false),
                // A stream that ends inside a packet: symphonia reports an unexpected EOF.
                Err(SymErr::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok(false)
                }
                Err(e) => return Err(format!("cannot read audio data: {e}")),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let decoded = self
                .decoder
                .decode(&packet)
                .map_err(|e| format!("cannot decode audio data: {e}"))?;
            decoded.copy_to_vecs_planar::<f64>(&mut self.planes);
            if self.pending.is_empty() && self.delivered == 0 {
                self.pending = vec![Vec::new(); self.planes.len()];
            }
            if self.planes.len() != self.pending.len() {
                return Err("channel count changes inside the stream".into());
            }
            for (ch, plane) in self.pending.iter_mut().zip(&self.planes) {
                ch.extend_from_slice(plane);
            }
            return Ok(true);
        }
    }

    /// At the end of the stream: at least one sample, and the declared length for WAV and FLAC.
    fn check_length(&self) -> std::result::Result<(), String> {
        let frames = self.delivered + self.pending.first().map_or(0, Vec::len) as u64;
        if frames == 0 {
            return Err("contains no audio samples (zero-length audio)".into());
        }
        if let (true, Some(declared)) = (self.exact_length(), self.declared_frames) {
            if declared != frames {
                return Err(format!(
                    "truncated or inconsistent: header declares {declared} frames per channel, \
                     the file holds {frames}"
                ));
            }
        }
        Ok(())
    }
}

/// What an audio file's header declares, read without decoding the samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// The container's short name (`"wave"`, `"flac"`, `"ogg"`, …).
    pub container: String,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Frames (samples per channel) the header declares, when it declares them (MP3 without
    /// a Xing/VBRI header does not).
    pub frames: Option<u64>,
}

impl Header {
    /// The declared duration in seconds, frames / sample rate.
    pub fn seconds(&self) -> Option<f64> {
        self.frames.map(|f| f as f64 / f64::from(self.sample_rate))
    }
}

/// Read the header of an audio file (cheap: the samples are not decoded; a corrupt body is
/// not noticed). Errors name `path`, as [`decode_file`]'s do.
pub fn probe_file(path: &Path) -> Result<Header> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let empty = file.metadata().map_err(|e| Error::io(path, e))?.len() == 0;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let header = (!empty)
        .then_some(())
        .ok_or_else(|| "file is empty".to_string())
        .and_then(|()| {
            let mss = MediaSourceStream::new(Box::new(file), Default::default());
            let format = open_format(mss, ext)?;
            let track = AudioTrack::of(format.as_ref())?;
            Ok(Header {
                container: format.format_info().short_name.to_string(),
                sample_rate: track.sample_rate,
                frames: track.frames,
            })
        });
    header.map_err(|reason| Error::bad_input(path, reason))
}

/// Probe the container of `mss` (with `extension` as a hint, or ""), as a format reader.
fn open_format<'s>(
    mss: MediaSourceStream<'s>,
    extension: &str,
) -> std::result::Result<Box<dyn FormatReader + 's>, String> {
    let mut hint = Hint::new();
    if !extension.is_empty() {
        hint.with_extension(extension);
    }
    symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymErr::Unsupported(_) => {
                "not a recognised audio file (expected WAV, FLAC, MP3 or Ogg Vorbis)".to_string()
            }
            other => format!("cannot read audio header: {other}"),
        })
}

/// The default audio track of a container, with what its header declares.
struct AudioTrack {
    id: u32,
    frames: Option<u64>,
    sample_rate: u32,
    params: AudioCodecParameters,
}

impl AudioTrack {
    fn of(format: &(dyn FormatReader + '_)) -> std::result::Result<Self, String> {
        let track = format
            .default_track(TrackType::Audio)
            .ok_or("file holds no audio track")?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or("audio track has no codec parameters")?
            .clone();
        let sample_rate = params
            .sample_rate
            .filter(|&r| r > 0)
            .ok_or("header declares no sample rate")?;
        Ok(AudioTrack {
            id: track.id,
            frames: track.num_frames,
            sample_rate,
            params,
        })
    }
}

/// The source's sample format, as far as the codec parameters tell it.
fn sample_format_of(p: &AudioCodecParameters) -> SampleFormat {
    use symphonia::core::audio::sample::SampleFormat as S;
    use symphonia::core::codecs::audio::well_known as ids;
    // PCM float WAV files carry their type in the codec id only.
    let float32 = [
        ids::CODEC_ID_PCM_F32LE,
        ids::CODEC_ID_PCM_F32BE,
        ids::CODEC_ID_PCM_F32LE_PLANAR,
        ids::CODEC_ID_PCM_F32BE_PLANAR,
    ];
    let float64 = [
        ids::CODEC_ID_PCM_F64LE,
        ids::CODEC_ID_PCM_F64BE,
        ids::CODEC_ID_PCM_F64LE_PLANAR,
        ids::CODEC_ID_PCM_F64BE_PLANAR,
    ];
    if float32.contains(&p.codec) {
        return SampleFormat::Float32;
    }
    if float64.contains(&p.codec) {
        return SampleFormat::Float64;
    }
    match p.sample_format {
        Some(S::F32) => SampleFormat::Float32,
        Some(S::F64) => SampleFormat::Float64,
        Some(S::U8 | S::S8) => SampleFormat::Int(8),
        Some(S::U16 | S::S16) => SampleFormat::Int(16),
        Some(S::U24 | S::S24) => SampleFormat::Int(24),
        Some(S::U32 | S::S32) => SampleFormat::Int(p.bits_per_sample.unwrap_or(32) as u16),
        // Integer PCM of any valid bit depth (12-bit, 20-bit…) is written back in the next
        // depth that holds it exactly; lossy codecs decode to float.
        None => match p.bits_per_sample {
            Some(b @ 1..=32) => SampleFormat::Int(b as u16).whole_bytes(),
            _ => SampleFormat::Float32,
        },
    }
}

/// A stream that can only be read front to back (a pipe, a device), made seekable over what has
/// been read so far: the bytes are kept, and a seek forward reads up to the target. The kept
/// bytes grow with the decoded samples, which the decoder's memory budget bounds.
struct RewindableStream<R> {
    inner: R,
    kept: Vec<u8>,
    pos: usize,
}

impl<R: Read> RewindableStream<R> {
    fn new(inner: R) -> Self {
        RewindableStream {
            inner,
            kept: Vec::new(),
            pos: 0,
        }
    }

    /// Read from the stream until `len` bytes are kept or it ends.
    fn fill_to(&mut self, len: usize) -> std::io::Result<()> {
        if len > self.kept.len() {
            let missing = (len - self.kept.len()) as u64;
            (&mut self.inner)
                .take(missing)
                .read_to_end(&mut self.kept)?;
        }
        Ok(())
    }
}

impl<R: Read> Read for RewindableStream<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.fill_to(self.pos + buf.len())?;
        let n = buf.len().min(self.kept.len().saturating_sub(self.pos));
        buf[..n].copy_from_slice(&self.kept[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl<R: Read> Seek for RewindableStream<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => (self.pos as u64).checked_add_signed(d),
            SeekFrom::End(_) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Unsupported,
                    "a stream has no known end",
                ))
            }
        };
        let target = target
            .and_then(|t| usize::try_from(t).ok())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad seek"))?;
        self.fill_to(target)?;
        self.pos = target.min(self.kept.len());
        Ok(self.pos as u64)
    }
}

impl<R: Read + Send + Sync> MediaSource for RewindableStream<R> {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_decodes_like_the_file() {
        let bytes = std::fs::read("tests/data/folk_4s.wav").unwrap();
        let from_memory = decode_reader(bytes.clone(), "wav").unwrap();
        let from_stream =
            decode_source(Box::new(RewindableStream::new(Cursor::new(bytes))), "").unwrap();
        assert_eq!(from_stream.channels, from_memory.channels);
    }
}
