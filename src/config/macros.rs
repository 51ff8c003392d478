//! The `settings!` macro: turns the table in [`super::table`] into the `Settings` layer type, the [`Key`]
//! enum, the descriptor slice, environment parsing, overlaying and checked typed accessors.
//!
//! [`Key`]: super::Key

/// Generates, from one line per setting:
/// - `Settings`: one `Option<T>` field per setting (the TOML layer too: `deny_unknown_fields`), plus the
///   file-only `profile` / `profiles` keys;
/// - `Key`: one variant per setting, with [`SettingInfo`](super::SettingInfo) for each;
/// - `SETTINGS`: every descriptor, in table order;
/// - `Settings::from_env`, `Settings::overlay`;
/// - for every setting a method of the same name returning the value after the entry's `check`, with the
///   error naming the env var.
macro_rules! settings {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident => $field:ident: $ty:ty {
            env: $env:literal,
            $(flag: $flag:literal,)?
            default: $default:literal,
            $(secret: $secret:literal,)?
            $(check: $check:expr,)?
        }
    )+) => {
        /// One layer of settings (file, profile, environment or flags); `None` = not set in this layer. Keys are
        /// the env var names in lower case without the `NETSUITE_` / `NETSUITE_MCP_` prefix.
        #[derive(Debug, Clone, Default, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Settings {
            $(
                $(#[doc = $doc])+
                pub $field: Option<$ty>,
            )+
            /// File only: the profile used when none is chosen.
            pub profile: Option<String>,
            /// File only: named profiles, each a full layer over the top-level keys.
            pub profiles: Option<std::collections::BTreeMap<String, Settings>>,
        }

        /// Names one setting of the table, for errors that lower layers report (see [`SettingError`]).
        ///
        /// [`SettingError`]: super::SettingError
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key {
            $(
                $(#[doc = $doc])+
                $variant,
            )+
        }

        /// Every setting, in table order.
        pub static SETTINGS: &[SettingInfo] = &[$(Key::$variant.info()),+];

        impl Key {
            /// Every key, in table order.
            pub const ALL: &'static [Key] = &[$(Key::$variant),+];

            /// The descriptor of this setting.
            pub const fn info(self) -> SettingInfo {
                match self {
                    $(Key::$variant => SettingInfo {
                        key: stringify!($field),
                        env: $env,
                        flag: settings!(@flag $($flag)?),
                        default: $default,
                        secret: settings!(@secret $($secret)?),
                        doc: concat!($($doc),+),
                    },)+
                }
            }

            /// The environment variable, e.g. `NETSUITE_ACCOUNT_ID`.
            pub const fn env(self) -> &'static str {
                self.info().env
            }
        }

        impl Settings {
            /// `high` wins field by field. File-only keys are dropped.
            pub fn overlay(self, high: Settings) -> Settings {
                Settings {
                    $($field: high.$field.or(self.$field),)+
                    profile: None,
                    profiles: None,
                }
            }

            /// The environment layer, read through `var` (so tests need not touch the process environment).
            /// Blank values count as unset.
            pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
                let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
                Ok(Settings {
                    $($field: get($env)
                        .map(|raw| <$ty as EnvValue>::parse_env($env, &raw))
                        .transpose()?,)+
                    profile: None,
                    profiles: None,
                })
            }

            $(
                #[doc = concat!("The `", stringify!($field), "` setting (`", $env, "`), checked.")]
                pub fn $field(&self) -> Result<Option<$ty>, ConfigError> {
                    let value = self.$field.clone();
                    if let Some(v) = &value {
                        settings!(@check v $($check)?).map_err(|reason| ConfigError::Invalid {
                            setting: $env,
                            reason,
                        })?;
                    }
                    Ok(value)
                }
            )+
        }
    };
    (@flag) => { None };
    (@flag $flag:literal) => { Some($flag) };
    (@secret) => { false };
    (@secret $secret:literal) => { $secret };
    (@check $v:ident) => {{
        let _ = $v;
        Ok::<(), String>(())
    }};
    (@check $v:ident $check:expr) => { ($check)($v) };
}
