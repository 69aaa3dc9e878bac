//! What each command accepts: the parameter forms the page builds and the names a job request
//! may use. Choices come from the library's `Choice::NAMES`, defaults from the library's
//! `Default`s, so the page offers exactly what the command line accepts.

use serde::Serialize;
use sparsewave::approx::job::ApproxParams;
use sparsewave::codec::{
    MethodKind, MethodSettings, SvdPhaseKind, DEFAULT_RD_BITRATES, DEFAULT_RD_METHODS,
};
use sparsewave::compress::params::{CompressParams, PostFilter};
use sparsewave::compress::refit::RefitOptions;
use sparsewave::denoise::denoiser::{DenoiseMethod, DenoiseParams, WsvdPreset};
use sparsewave::denoise::shrink::{ThresholdKind, ThresholdRule};
use sparsewave::denoise::wsvd::{Junction, Mapping, SvdSolver};
use sparsewave::linalg::rank_rule::Criterion;
use sparsewave::noise::{NoiseKind, NoiseParams};
use sparsewave::transform::wavelet::Mode;
use sparsewave::{Choice, Error, InterpKind, Keep, RankRule};
use std::fmt::Display;

/// The jobs the server runs: the command line's subcommands that take one recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Command {
    /// The recording's properties and spectrogram (`sparsewave info`).
    Info,
    /// Rank-k SVD of the STFT magnitude (`sparsewave approx`).
    Approx,
    /// Decimation and interpolation (`sparsewave interp`).
    Interp,
    /// Keep the largest time–frequency coefficients (`sparsewave compress`).
    Compress,
    /// A `.swz` file at a bit rate, an SNR or fixed settings (`sparsewave encode`).
    Encode,
    /// Rate–distortion curves of the codec's methods (`sparsewave rd`).
    Rd,
    /// Denoise (`sparsewave denoise`).
    Denoise,
    /// Add seeded noise at an input SNR (`sparsewave addnoise`).
    Addnoise,
}

impl Command {
    /// Every command, in the page's order.
    pub const ALL: [Command; 8] = [
        Command::Info,
        Command::Approx,
        Command::Interp,
        Command::Compress,
        Command::Encode,
        Command::Rd,
        Command::Denoise,
        Command::Addnoise,
    ];

    /// The command's name.
    pub fn name(self) -> &'static str {
        match self {
            Command::Info => "info",
            Command::Approx => "approx",
            Command::Interp => "interp",
            Command::Compress => "compress",
            Command::Encode => "encode",
            Command::Rd => "rd",
            Command::Denoise => "denoise",
            Command::Addnoise => "addnoise",
        }
    }
}

impl Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Command {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|c| c.name() == t)
            .ok_or_else(|| {
                Error::param(
                    "command",
                    format!(
                        "'{s}' is not one of {}",
                        Self::ALL.map(Command::name).join(", ")
                    ),
                )
            })
    }
}

/// How a parameter is entered.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// One of the listed names.
    Choice,
    /// A whole number.
    Int,
    /// A real number.
    Float,
    /// Text the library parses (a list, `4%`, `MxN`, a wavelet name).
    Text,
    /// A switch.
    Bool,
    /// A second audio file sent as its own multipart part.
    File,
}

/// One parameter of a command.
#[derive(Clone, Debug, Serialize)]
pub struct Field {
    /// The command line's name, snake_case (the flag without `--`).
    pub name: &'static str,
    /// How it is entered.
    pub kind: Kind,
    /// The accepted names of a choice, or suggestions for text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    /// The default as the command line prints it; `None`: absent unless given.
    pub default: Option<String>,
    /// What it does.
    pub help: &'static str,
    /// The command line requires it (`default` is then only the form's suggestion).
    pub required: bool,
    /// The field whose value decides whether this one applies (`"method"`, `"phase"`).
    pub when: &'static str,
    /// The values of `when` it applies to (empty: always).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub methods: &'static [&'static str],
}

impl Field {
    fn new(name: &'static str, kind: Kind, default: Option<String>, help: &'static str) -> Self {
        Field {
            name,
            kind,
            choices: Vec::new(),
            default,
            help,
            required: false,
            when: "method",
            methods: &[],
        }
    }
    /// Only for these methods.
    fn only(mut self, methods: &'static [&'static str]) -> Self {
        self.methods = methods;
        self
    }
    /// Only when field `when` has one of `values`.
    fn only_when(mut self, when: &'static str, values: &'static [&'static str]) -> Self {
        self.when = when;
        self.methods = values;
        self
    }
    /// The command line requires it; `suggestion` fills the form.
    fn required(mut self, suggestion: impl Display) -> Self {
        self.required = true;
        self.default = Some(suggestion.to_string());
        self
    }
    /// Offer these values (text fields).
    fn suggest(mut self, values: &[&str]) -> Self {
        self.choices = values.iter().map(|s| s.to_string()).collect();
        self
    }
}

fn choice<T: Choice + Display>(
    name: &'static str,
    default: Option<T>,
    help: &'static str,
) -> Field {
    let mut f = Field::new(name, Kind::Choice, default.map(|d| d.to_string()), help);
    f.choices = T::NAMES.iter().map(|s| s.to_string()).collect();
    f
}
fn int(name: &'static str, default: Option<impl Display>, help: &'static str) -> Field {
    Field::new(name, Kind::Int, default.map(|d| d.to_string()), help)
}
fn float(name: &'static str, default: Option<impl Display>, help: &'static str) -> Field {
    Field::new(name, Kind::Float, default.map(|d| d.to_string()), help)
}
fn text(name: &'static str, default: Option<impl Display>, help: &'static str) -> Field {
    Field::new(name, Kind::Text, default.map(|d| d.to_string()), help)
}
fn flag(name: &'static str, help: &'static str) -> Field {
    Field::new(name, Kind::Bool, Some("false".into()), help)
}
const NONE: Option<&str> = None;

/// The wavelet names the forms suggest (any name the library parses is accepted).
const WAVELETS: [&str; 8] = ["haar", "db3", "db5", "db8", "sym4", "sym8", "coif3", "bior"];
/// The window names the forms suggest.
const WINDOWS: [&str; 4] = ["hann", "hamming", "blackman-harris", "gaussian"];

fn mode(default: Mode) -> Field {
    let mut f = Field::new(
        "mode",
        Kind::Choice,
        Some(default.to_string()),
        "DWT signal extension (PyWavelets' names)",
    );
    f.choices = Mode::ALL.iter().map(|m| m.name().to_string()).collect();
    f
}

/// The parameters every audio-producing command shares.
fn output_fields() -> Vec<Field> {
    vec![
        flag("mono", "mix all channels down to one before processing"),
        text(
            "bits",
            NONE,
            "output WAV sample format: 16, 24, 32 or 32f (default: the input's)",
        )
        .suggest(&["16", "24", "32", "32f"]),
    ]
}

/// The parameters of `command`, in the order the page shows them.
pub fn fields(command: Command) -> Vec<Field> {
    let mut fields = match command {
        Command::Info => vec![flag("mono", "mix all channels down to one")],
        Command::Approx => approx_fields(),
        Command::Interp => interp_fields(),
        Command::Compress => compress_fields(),
        Command::Encode => {
            let mut f = vec![choice("method", Some(MethodKind::Dwt), "codec method")];
            f.extend(rate_fields());
            f.extend(codec_fields());
            f.push(flag("mono", "mix all channels down to one before encoding"));
            f
        }
        Command::Rd => {
            let methods = DEFAULT_RD_METHODS.map(|m| m.name()).join(",");
            let bitrates = DEFAULT_RD_BITRATES.map(|b| b.to_string()).join(",");
            let mut method = text("methods", Some(methods), "codec methods, comma-separated");
            // `rd` sweeps bit rates; the hybrid needs an SNR target.
            method.choices = MethodKind::NAMES
                .iter()
                .filter(|&&s| s != MethodKind::Hybrid.name())
                .map(|s| s.to_string())
                .collect();
            let mut f = vec![
                method,
                text(
                    "bitrates",
                    Some(bitrates),
                    "target bit rates in kbit/s, comma-separated",
                ),
            ];
            f.extend(codec_fields());
            f.push(flag("mono", "mix all channels down to one before encoding"));
            f
        }
        Command::Denoise => denoise_fields(),
        Command::Addnoise => addnoise_fields(),
    };
    if !matches!(command, Command::Info | Command::Encode | Command::Rd) {
        fields.extend(output_fields());
    }
    fields
}

fn approx_fields() -> Vec<Field> {
    let d = ApproxParams::default();
    vec![
        int(
            "rank",
            NONE,
            "keep this many singular values (default: the energy rule)",
        ),
        float(
            "energy",
            energy_default(d.rank),
            "keep the smallest rank holding this fraction of Σσ²",
        ),
        text(
            "sweep_ranks",
            NONE,
            "also measure these ranks (\"1,5,10,20\"): an error-vs-rank curve",
        ),
        choice(
            "phase",
            Some(d.phase),
            "phase of the result: the input's or Griffin–Lim",
        ),
        int("iters", Some(d.iters), "Griffin–Lim iterations").only_when("phase", &["griffin-lim"]),
        int("seed", Some(d.seed), "Griffin–Lim random start seed")
            .only_when("phase", &["griffin-lim"]),
        choice("init_phase", Some(d.init_phase), "Griffin–Lim start")
            .only_when("phase", &["griffin-lim"]),
        int("n_fft", Some(d.stft.n_fft), "FFT length"),
        int("hop", Some(d.stft.hop), "hop between frames"),
        int("win_length", NONE, "window length (default: n_fft)"),
        text("window", Some(d.stft.window), "analysis window").suggest(&WINDOWS),
        choice(
            "pad",
            Some(d.stft.pad),
            "frame centring: zero (librosa ≥ 0.10) or reflect",
        ),
    ]
}

/// A keep fraction as the command line writes it ("4%").
fn keep_percent(keep: Keep) -> Option<String> {
    match keep {
        Keep::Fraction(f) => Some(format!("{}%", 100.0 * f)),
        Keep::RealNumbers(_) | Keep::Threshold(_) => None,
    }
}

/// The energy fraction of the default rank rule, if it is one.
fn energy_default(rule: RankRule) -> Option<f64> {
    match rule {
        RankRule::Energy(f) => Some(f),
        _ => None,
    }
}

fn interp_fields() -> Vec<Field> {
    vec![
        int("factor", NONE, "keep every factor-th sample")
            .required(MethodSettings::default().factor),
        choice("method", Some(InterpKind::Cubic), "reconstruction"),
        int(
            "order",
            NONE,
            "Lagrange order / polynomial degree (default 3)",
        )
        .only(&["lagrange", "poly"]),
        int("block", NONE, "poly: kept samples per least-squares block").only(&["poly"]),
    ]
}

/// The representation parameters of `compress`.
fn compress_fields() -> Vec<Field> {
    let d = CompressParams::default();
    let r = RefitOptions::default();
    vec![
        choice("method", Some(d.method), "representation"),
        text(
            "keep",
            keep_percent(d.keep),
            "fraction of the input's real degrees of freedom to keep (\"4%\" or 0.04)",
        ),
        int(
            "keep_count",
            NONE,
            "keep this many real numbers per channel instead",
        ),
        float(
            "threshold",
            NONE,
            "keep every coefficient with |c| ≥ T instead",
        ),
        flag(
            "no_refit",
            "no least-squares re-fit (plain thresholding, as in the paper)",
        )
        .only(&["pgbz"]),
        int(
            "refit_iters",
            Some(r.max_iterations),
            "re-fit: maximum CGLS iterations",
        )
        .only(&["pgbz"]),
        float("refit_tol", Some(r.tolerance), "re-fit: relative tolerance").only(&["pgbz"]),
        {
            let mut f =
                choice::<PostFilter>("postfilter", None, "post-filter against the artifact");
            f.default = None;
            f
        },
        text(
            "lattice",
            NONE,
            "PGBZ lattice: fast (default: the smallest odd square whose side has no prime factor \
             above 11), paper (the smallest odd square) or MxN, both odd",
        )
        .only(&["pgbz"]),
        float(
            "block",
            NONE,
            "PGBZ: independent blocks of this many seconds",
        )
        .only(&["pgbz"]),
        int(
            "window_length",
            Some(d.representation.window_length),
            "STFT window length",
        )
        .only(&["stft"]),
        text("wavelet", Some(d.representation.wavelet), "wavelet")
            .suggest(&WAVELETS)
            .only(&["dwt"]),
        mode(d.representation.mode).only(&["dwt"]),
        int(
            "level",
            NONE,
            "DWT level (default: PyWavelets' maximum, capped at 10)",
        )
        .only(&["dwt"]),
    ]
}

/// How `encode` chooses its quantization.
fn rate_fields() -> Vec<Field> {
    vec![
        float(
            "bitrate",
            NONE,
            "target bit rate in kbit/s (none of these: the method's fixed settings)",
        ),
        float("snr", NONE, "target SNR in dB instead of a bit rate"),
        text(
            "keep",
            NONE,
            "fixed settings instead: keep fraction (\"4%\")",
        ),
        float("step", NONE, "fixed settings: relative quantizer step"),
    ]
}

/// The codec method settings of `encode` and `rd`.
fn codec_fields() -> Vec<Field> {
    let d = MethodSettings::default();
    vec![
        text("lattice", NONE, "PGBZ lattice MxN").only(&["pgbz", "pgbz-ls"]),
        int("refit", NONE, "PGBZ re-fit iterations").only(&["pgbz", "pgbz-ls"]),
        text("wavelet", Some(d.wavelet), "wavelet")
            .suggest(&WAVELETS)
            .only(&["dwt"]),
        mode(d.mode).only(&["dwt"]),
        int("level", NONE, "DWT level").only(&["dwt"]),
        int("n_fft", Some(d.n_fft), "FFT length").only(&["stft", "svd"]),
        int("hop", NONE, "hop (default: the method's)").only(&["stft", "svd"]),
        text("window", Some(d.window), "window")
            .suggest(&WINDOWS)
            .only(&["stft", "svd"]),
        int("rank", Some(d.rank), "SVD rank").only(&["svd"]),
        choice::<SvdPhaseKind>("phase", Some(d.phase), "SVD phase").only(&["svd"]),
        int("phase_bits", Some(d.phase_bits), "SVD phase bits").only(&["svd"]),
        int("iters", Some(d.iters), "Griffin–Lim iterations").only(&["svd"]),
        int("seed", Some(d.seed), "Griffin–Lim seed").only(&["svd"]),
        int("factor", Some(d.factor), "decimation factor").only(&["interp"]),
        choice::<InterpKind>("interp", Some(d.interp.kind()), "interpolation").only(&["interp"]),
        int("order", NONE, "Lagrange order / polynomial degree").only(&["interp"]),
    ]
}

fn denoise_fields() -> Vec<Field> {
    let d = DenoiseParams::default();
    const WSVD: &[&str] = &["wsvd"];
    vec![
        choice::<DenoiseMethod>("method", Some(d.method), "denoiser"),
        Field::new(
            "clean",
            Kind::File,
            None,
            "clean reference: metrics against it",
        ),
        choice::<WsvdPreset>("preset", Some(d.preset), "WSVD preset").only(WSVD),
        text(
            "window",
            NONE,
            "WSVD window length, one or one per band (\"150,100,100\")",
        )
        .only(WSVD),
        text(
            "bands",
            NONE,
            "WSVD cut frequencies in Hz (\"1000,3500\") or none",
        )
        .only(WSVD),
        text("ratio", NONE, "WSVD rank ratio R ∈ (0, 1], one or per band").only(WSVD),
        text("rank", NONE, "WSVD fixed rank, one or per band").only(WSVD),
        {
            let mut f = choice::<Criterion>(
                "rank_rule",
                None,
                "WSVD information criterion (default aic)",
            );
            f.default = None;
            f.only(WSVD)
        },
        text("energy", NONE, "WSVD energy fraction, one or per band").only(WSVD),
        choice::<SvdSolver>("svd", None, "WSVD truncated SVD").only(WSVD),
        choice::<Mapping>("mapping", None, "WSVD matrix-to-signal mapping").only(WSVD),
        choice::<Junction>("junction", None, "WSVD window junctions").only(WSVD),
        text("wavelet", Some(d.wavelet), "wavelet")
            .suggest(&WAVELETS)
            .only(&["wavelet"]),
        int("level", Some(d.level), "decomposition level").only(&["wavelet"]),
        choice::<ThresholdKind>("threshold", Some(d.threshold), "soft or hard").only(&["wavelet"]),
        choice::<ThresholdRule>("rule", Some(d.rule), "threshold rule").only(&["wavelet"]),
        mode(d.mode).only(&["wavelet"]),
        float("sigma", Some(d.sigma), "Gaussian σ in samples").only(&["gaussian"]),
        Field::new(
            "noise_clip",
            Kind::File,
            None,
            "gate: a noise-only recording",
        )
        .only(&["gate"]),
        float(
            "gate_percentile",
            Some(d.gate_percentile),
            "gate: noise-floor percentile",
        )
        .only(&["gate"]),
        float(
            "gate_margin",
            Some(d.gate_margin),
            "gate: margin above the floor, dB",
        )
        .only(&["gate"]),
        float(
            "gate_attenuation",
            Some(d.gate_attenuation),
            "gate: attenuation, dB",
        )
        .only(&["gate"]),
    ]
}

fn addnoise_fields() -> Vec<Field> {
    let d = NoiseParams::default();
    vec![
        float("snr", NONE, "input SNR in dB").required(10),
        choice("model", Some(NoiseKind::Awgn), "noise model"),
        float(
            "epsilon",
            Some(d.epsilon),
            "mixture: probability of the wide component",
        )
        .only_when("model", &["mixture"]),
        float("kappa", Some(d.kappa), "mixture: variance ratio").only_when("model", &["mixture"]),
        float("alpha", Some(d.alpha), "α-stable exponent").only_when("model", &["alpha-stable"]),
        float("a", Some(d.a), "Middleton impulsive index").only_when("model", &["middleton"]),
        float(
            "gamma",
            Some(d.gamma),
            "Middleton Gaussian-to-impulsive ratio",
        )
        .only_when("model", &["middleton"]),
        int("seed", Some(0), "noise seed"),
    ]
}

/// The schema the page builds its forms from: every command with its fields.
pub fn schema(max_upload_bytes: u64) -> serde_json::Value {
    let commands: Vec<serde_json::Value> = Command::ALL
        .iter()
        .map(|&c| serde_json::json!({"name": c.name(), "fields": fields(c)}))
        .collect();
    serde_json::json!({"commands": commands, "max_upload_bytes": max_upload_bytes})
}
