//! A job's parameters as the page and scripts send them: one JSON object with the command
//! line's parameter names (`"n_fft"` or `"n-fft"`) and values as the command line accepts them
//! (`"keep": "4%"` as well as `0.04`, lists as `"150,100,100"` or `[150, 100, 100]`).
//!
//! Every value is turned into the text the command line would have received and parsed by the
//! library type's own `FromStr`, so a value means the same here as after the flag, and a bad one
//! gives the library's message (`invalid junction: 'x' is not one of xfade, …`).

use super::schema::{self, Command};
use serde_json::{Map, Value};
use sparsewave::{Error, Result};
use std::any::Any;
use std::fmt::Display;
use std::str::FromStr;

/// The validated parameter object of one job: the command and its named values.
#[derive(Debug)]
pub struct Params {
    /// The command the job runs.
    pub command: Command,
    values: Map<String, Value>,
}

impl Params {
    /// Parse the `params` part of a job request: a JSON object with `"command"` and parameters
    /// the command knows (an unknown name is an error that lists the known ones).
    pub fn from_json(text: &str) -> Result<Params> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::param("params", format!("not valid JSON: {e}")))?;
        let Value::Object(object) = value else {
            return Err(Error::param("params", "expected a JSON object"));
        };
        let mut values = Map::new();
        for (key, value) in object {
            values.insert(key.trim().replace('-', "_"), value);
        }
        let command: Command = match values.remove("command") {
            Some(Value::String(s)) => s.parse()?,
            Some(_) => return Err(Error::param("command", "expected a string")),
            None => {
                return Err(Error::param(
                    "command",
                    format!(
                        "missing; one of {}",
                        Command::ALL.map(Command::name).join(", ")
                    ),
                ))
            }
        };
        let fields = schema::fields(command);
        for key in values.keys() {
            if let Some(f) = fields.iter().find(|f| f.name == key) {
                if matches!(f.kind, schema::Kind::File) {
                    return Err(Error::param(
                        f.name,
                        format!("send the file as the multipart part '{key}', not in params"),
                    ));
                }
            } else {
                let known: Vec<&str> = fields.iter().map(|f| f.name).collect();
                return Err(Error::param(
                    "params",
                    format!(
                        "unknown parameter '{key}' for {command}; known: {}",
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(Params { command, values })
    }

    /// The value of `name` as the command line's text, or `None` when it is absent, null or
    /// an empty string (a form's empty field).
    fn text(&self, name: &str) -> Option<String> {
        let text = match self.values.get(name)? {
            Value::Null => return None,
            Value::String(s) => s.trim().to_string(),
            Value::Array(items) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        (!text.is_empty()).then_some(text)
    }

    /// `name` parsed as `T`, or `None` when absent.
    pub fn get<T>(&self, name: &'static str) -> Result<Option<T>>
    where
        T: FromStr,
        T::Err: Display + 'static,
    {
        self.text(name).map(|t| parse_value(name, &t)).transpose()
    }

    /// `name` parsed as `T`, or `default` when absent.
    pub fn or<T>(&self, name: &'static str, default: T) -> Result<T>
    where
        T: FromStr,
        T::Err: Display + 'static,
    {
        Ok(self.get(name)?.unwrap_or(default))
    }

    /// `name` parsed as `T`; absent is an error (the command line's required flags).
    pub fn required<T>(&self, name: &'static str) -> Result<T>
    where
        T: FromStr,
        T::Err: Display + 'static,
    {
        self.get(name)?
            .ok_or_else(|| Error::param(name, "is required"))
    }

    /// A comma-separated list (`"150,100,100"` or a JSON array), or `None` when absent.
    pub fn list<T>(&self, name: &'static str) -> Result<Option<Vec<T>>>
    where
        T: FromStr,
        T::Err: Display + 'static,
    {
        self.text(name)
            .map(|t| {
                t.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| parse_value(name, p))
                    .collect()
            })
            .transpose()
    }

    /// A switch (`true`/`false`, or absent for false).
    pub fn flag(&self, name: &'static str) -> Result<bool> {
        self.or(name, false)
    }

    /// At most one of `names` may be given (the command line's conflicting flags).
    pub fn at_most_one(&self, names: &[&'static str]) -> Result<()> {
        let given: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| self.text(n).is_some())
            .collect();
        match given.as_slice() {
            [first, second, ..] => Err(Error::param(
                names
                    .iter()
                    .find(|n| *n == second)
                    .copied()
                    .unwrap_or("params"),
                format!("cannot be used with {first}"),
            )),
            _ => Ok(()),
        }
    }
}

/// Parse `raw` with `T`'s `FromStr`. A library type's error is already the library's message
/// and is kept; any other (a number's) becomes an [`Error::InvalidParameter`] naming `name`.
fn parse_value<T>(name: &'static str, raw: &str) -> Result<T>
where
    T: FromStr,
    T::Err: Display + 'static,
{
    raw.trim().parse::<T>().map_err(|e| {
        let reason = e.to_string();
        let any: Box<dyn Any> = Box::new(e);
        match any.downcast::<Error>() {
            Ok(library) => *library,
            Err(_) => Error::param(name, format!("'{raw}' is not a valid value ({reason})")),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_as_on_the_command_line() {
        let p = Params::from_json(
            r#"{"command": "compress", "keep": "4%", "window-length": 512, "no_refit": true,
                "level": null, "mode": "Symmetric"}"#,
        )
        .unwrap();
        assert_eq!(p.command, Command::Compress);
        let keep: sparsewave::Keep = p.required("keep").unwrap();
        assert_eq!(keep, "0.04".parse().unwrap());
        assert_eq!(p.get::<usize>("window_length").unwrap(), Some(512));
        assert!(p.flag("no_refit").unwrap());
        assert_eq!(p.get::<usize>("level").unwrap(), None);
        let mode: sparsewave::transform::wavelet::Mode = p.required("mode").unwrap();
        assert_eq!(mode.to_string(), "symmetric");
    }

    #[test]
    fn lists_come_as_text_or_arrays() {
        let p = Params::from_json(
            r#"{"command": "denoise", "window": [150, 100], "ratio": "0.1, 0.2"}"#,
        )
        .unwrap();
        assert_eq!(p.list::<usize>("window").unwrap(), Some(vec![150, 100]));
        assert_eq!(p.list::<f64>("ratio").unwrap(), Some(vec![0.1, 0.2]));
    }

    #[test]
    fn errors_are_the_library_messages_and_name_the_parameter() {
        let p = Params::from_json(r#"{"command": "denoise", "junction": "glue", "sigma": "x"}"#)
            .unwrap();
        let e = p
            .get::<sparsewave::denoise::wsvd::Junction>("junction")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("invalid junction: 'glue' is not one of xfade"),
            "{e}"
        );
        let e = p.get::<f64>("sigma").unwrap_err().to_string();
        assert!(
            e.starts_with("invalid sigma: 'x' is not a valid value"),
            "{e}"
        );
        let e = Params::from_json(r#"{"command": "denoise", "hop": 3}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown parameter 'hop' for denoise"), "{e}");
        let e = Params::from_json(r#"{"command": "paint"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("invalid command: 'paint' is not one of info, approx"),
            "{e}"
        );
        let p = Params::from_json(r#"{"command": "approx", "rank": 3, "energy": 0.9}"#).unwrap();
        let e = p.at_most_one(&["rank", "energy"]).unwrap_err().to_string();
        assert_eq!(e, "invalid energy: cannot be used with rank");
    }
}
