//! The `.swz` encoder's parameter validation on structured input: random method settings and
//! targets (including values beyond every limit) on a short random signal. Whatever `encode`
//! accepts, `decode` must read back to exactly the encoder's reconstruction; whatever it refuses
//! must be an error, never a panic. Run: `cd fuzz && cargo +nightly fuzz run encode_params`.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use sparsewave::codec::{self, Limits, MethodKind, MethodSettings, SvdPhaseKind, Target};
use sparsewave::transform::wavelet::Mode;
use sparsewave::transform::window::WindowKind;
use sparsewave::{Audio, Choice, InterpKind, InterpMethod};

/// One of a choice's names, parsed back into the choice.
fn pick<T: Choice + std::str::FromStr>(u: &mut Unstructured) -> Result<T> {
    let name = u.choose(T::NAMES)?;
    Ok(name.parse().ok().expect("every name parses"))
}

/// Mostly small values, sometimes anything: limits sit at both ends.
fn size(u: &mut Unstructured, small: u64) -> Result<u64> {
    Ok(if u.ratio(7, 8)? {
        u.int_in_range(0..=small)?
    } else {
        u.arbitrary()?
    })
}

fn settings(u: &mut Unstructured) -> Result<MethodSettings> {
    let mut s = MethodSettings::default();
    if u.arbitrary()? {
        let (m, n) = (size(u, 64)? as usize, size(u, 64)? as usize);
        s.lattice = Some((m, n));
    }
    s.refit = u.arbitrary::<bool>()?.then_some(size(u, 5)? as usize);
    s.wavelet = format!("db{}", u.int_in_range(1..=40)?)
        .parse()
        .unwrap_or(s.wavelet);
    s.mode = *u.choose(&[
        Mode::Periodization,
        Mode::Symmetric,
        Mode::Zero,
        Mode::Periodic,
        Mode::Reflect,
    ])?;
    s.level = u.arbitrary::<bool>()?.then_some(size(u, 12)? as usize);
    s.n_fft = size(u, 512)? as usize;
    s.hop = u.arbitrary::<bool>()?.then_some(size(u, 512)? as usize);
    s.window = u.choose(&[WindowKind::Hann, WindowKind::Hamming])?.clone();
    s.rank = size(u, 8)? as usize;
    s.phase = pick::<SvdPhaseKind>(u)?;
    s.phase_bits = u.arbitrary()?;
    s.iters = size(u, 3)? as u32;
    s.seed = u.arbitrary()?;
    s.factor = size(u, 8)? as usize;
    let kind: InterpKind = pick(u)?;
    let order = u.arbitrary::<bool>()?.then_some(size(u, 20)? as usize);
    let block = u.arbitrary::<bool>()?.then_some(size(u, 20)? as usize);
    if let Ok(m) = InterpMethod::new(kind, order, block) {
        s.interp = m;
    }
    Ok(s)
}

fn run(u: &mut Unstructured) -> Result<()> {
    let kind: MethodKind = pick(u)?;
    if kind == MethodKind::Auto {
        return Ok(());
    }
    let settings = settings(u)?;
    let target = match u.int_in_range(0..=2)? {
        0 => Target::Fixed {
            keep: u.arbitrary::<bool>()?.then_some(u.arbitrary::<f64>()?),
            step: u.arbitrary::<bool>()?.then_some(u.arbitrary::<f64>()?),
        },
        1 => Target::Bitrate {
            kbps: u.arbitrary()?,
        },
        _ => Target::Snr { db: u.arbitrary()? },
    };
    let len = u.int_in_range(1..=2048)?;
    let rate = if u.ratio(7, 8)? { 8000 } else { u.arbitrary()? };
    let mut x = Vec::with_capacity(len);
    for _ in 0..len {
        x.push(f64::from(u.arbitrary::<i16>()?) / 32768.0);
    }
    let audio = Audio::from_channels(rate, vec![x]);
    let Ok(method) = settings.method(kind) else {
        return Ok(());
    };
    if let Ok(enc) = codec::encode(&audio, &method, target) {
        let decoded = codec::decode(&enc.bytes, Limits::default())
            .expect("whatever encode writes, decode reads");
        assert_eq!(decoded.channels, enc.audio.channels, "decode = the encoder's reconstruction");
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
