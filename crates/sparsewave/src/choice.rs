//! Enumerated choices (method, window, junction, noise model, …): one macro gives each the same
//! `FromStr` (case-insensitive, with aliases), `Display`, serde (as its name) and a list of names,
//! so that the command line, the web page and the Python package accept exactly the same words.

/// A choice without data: `NAMES` lists the canonical spellings in declaration order.
pub trait Choice: Sized + Copy + 'static {
    /// Canonical names, one per variant, in declaration order.
    const NAMES: &'static [&'static str];
    /// The parameter this choice is the value of (`"junction"`), for error messages.
    const PARAMETER: &'static str;
}

/// Define a `Copy` enum of named choices.
///
/// ```ignore
/// choice! {
///     /// How windows are joined.
///     pub enum Junction: "junction" {
///         /// 50 % overlap with complementary weights.
///         Xfade = "xfade",
///         MeanFilt = "meanfilt" | "mean-filter",
///     }
/// }
/// ```
macro_rules! choice {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $param:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $crate::choice::Choice for $name {
            const NAMES: &'static [&'static str] = &[$($text),+];
            const PARAMETER: &'static str = $param;
        }

        impl $name {
            /// The canonical name.
            pub fn name(self) -> &'static str {
                match self { $( $name::$variant => $text ),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(self.name())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<Self> {
                let t = s.trim().to_ascii_lowercase();
                $( if t == $text $(|| t == $alias)* { return Ok($name::$variant); } )+
                Err($crate::Error::param(
                    $param,
                    format!(
                        "'{}' is not one of {}",
                        s,
                        <$name as $crate::choice::Choice>::NAMES.join(", ")
                    ),
                ))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use choice;

#[cfg(test)]
mod tests {
    use super::Choice;

    choice! {
        /// A test choice.
        enum Fruit: "fruit" {
            /// An apple.
            Apple = "apple" | "malus",
            /// A pear.
            Pear = "pear",
        }
    }

    #[test]
    fn parses_names_and_aliases_case_insensitively_and_round_trips() {
        assert_eq!("APPLE".parse::<Fruit>().unwrap(), Fruit::Apple);
        assert_eq!(" malus ".parse::<Fruit>().unwrap(), Fruit::Apple);
        assert_eq!(Fruit::Pear.to_string(), "pear");
        assert_eq!(Fruit::NAMES, &["apple", "pear"]);
        let e = "plum".parse::<Fruit>().unwrap_err().to_string();
        assert_eq!(e, "invalid fruit: 'plum' is not one of apple, pear");
        let j = serde_json::to_string(&Fruit::Pear).unwrap();
        assert_eq!(j, "\"pear\"");
        assert_eq!(
            serde_json::from_str::<Fruit>("\"Malus\"").unwrap(),
            Fruit::Apple
        );
        assert!(serde_json::from_str::<Fruit>("\"plum\"").is_err());
    }
}
