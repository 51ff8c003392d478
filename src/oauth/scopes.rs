//! The scopes of this server's tokens: `netsuite:write` covers `netsuite:read`.

/// The scopes of this server: `netsuite:write` covers `netsuite:read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes {
    /// May call tools that write.
    pub write: bool,
}

/// Read access.
pub const SCOPE_READ: &str = "netsuite:read";
/// Read and write access.
pub const SCOPE_WRITE: &str = "netsuite:write";

impl Scopes {
    /// Parses a space-separated `scope`; unknown scopes are an error, none means both.
    pub fn parse(scope: Option<&str>) -> Result<Self, String> {
        let mut write = false;
        let mut any = false;
        for s in scope
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
        {
            match s {
                SCOPE_READ => any = true,
                SCOPE_WRITE => {
                    any = true;
                    write = true;
                }
                other => {
                    return Err(format!(
                        "unknown scope {other:?}; this server has {SCOPE_READ} and {SCOPE_WRITE}"
                    ));
                }
            }
        }
        Ok(Scopes {
            write: write || !any,
        })
    }

    /// The space-separated form.
    pub fn as_str(self) -> &'static str {
        if self.write {
            "netsuite:read netsuite:write"
        } else {
            SCOPE_READ
        }
    }

    /// `self` narrowed to `asked` (a refresh may ask for less, never for more).
    pub fn narrow(self, asked: Scopes) -> Option<Scopes> {
        (!asked.write || self.write).then_some(asked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_default_to_both_refuse_unknown_ones_and_only_narrow() {
        assert!(Scopes::parse(None).unwrap().write);
        assert!(!Scopes::parse(Some("netsuite:read")).unwrap().write);
        assert!(
            Scopes::parse(Some("netsuite:read netsuite:write"))
                .unwrap()
                .write
        );
        assert!(Scopes::parse(Some("openid")).is_err());
        let read = Scopes { write: false };
        let both = Scopes { write: true };
        assert_eq!(both.narrow(read), Some(read));
        assert_eq!(read.narrow(both), None);
    }
}
