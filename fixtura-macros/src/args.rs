//! The arguments of `#[fixtura::test(...)]`: `spec = "path"` (required), then optionally
//! `database_url = <expr>`, `store = <expr>`, `seed = <int>`, `scale = <float>`, in any
//! order, each at most once. Every mistake is an error spanned at the token to fix.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Lit, LitStr, Token};

/// The names `#[fixtura::test]` takes, as listed in its errors.
const NAMES: &str = "spec, database_url, store, seed and scale";

/// What a `#[fixtura::test(...)]` says.
pub(crate) struct Args {
    /// The spec file, relative to the crate's `CARGO_MANIFEST_DIR` unless absolute.
    pub spec: LitStr,
    /// The database to copy, or a guard that owns it (`AsRef<str>`).
    pub database_url: Option<Expr>,
    /// The snapshot store, or a guard that owns it (`AsRef<Path>`).
    pub store: Option<Expr>,
    pub seed: Option<u64>,
    pub scale: Option<f64>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let path: LitStr = input.parse()?;
            return Err(syn::Error::new(
                path.span(),
                format!(
                    "name the argument: #[fixtura::test(spec = \"{}\")]",
                    path.value()
                ),
            ));
        }
        let mut spec = None;
        let mut database_url = None;
        let mut store = None;
        let mut seed = None;
        let mut scale = None;
        for arg in Punctuated::<Arg, Token![,]>::parse_terminated(input)? {
            let name = arg.name.to_string();
            let once = |given: bool| {
                if given {
                    Err(syn::Error::new(
                        arg.name.span(),
                        format!("`{name}` is given twice"),
                    ))
                } else {
                    Ok(())
                }
            };
            match name.as_str() {
                "spec" => {
                    once(spec.is_some())?;
                    spec = Some(spec_path(arg.value)?);
                }
                "database_url" => {
                    once(database_url.is_some())?;
                    database_url = Some(arg.value);
                }
                "store" => {
                    once(store.is_some())?;
                    store = Some(arg.value);
                }
                "seed" => {
                    once(seed.is_some())?;
                    seed = Some(seed_value(&arg.value)?);
                }
                "scale" => {
                    once(scale.is_some())?;
                    scale = Some(scale_value(&arg.value)?);
                }
                _ => {
                    return Err(syn::Error::new(
                        arg.name.span(),
                        format!("unknown argument `{name}`: #[fixtura::test] takes {NAMES}"),
                    ));
                }
            }
        }
        let spec = spec.ok_or_else(|| {
            syn::Error::new(
                Span::call_site(),
                "#[fixtura::test] needs the spec to generate the test's data from: \
                 #[fixtura::test(spec = \"schema/app.toml\")]",
            )
        })?;
        Ok(Args {
            spec,
            database_url,
            store,
            seed,
            scale,
        })
    }
}

/// One `name = value`.
struct Arg {
    name: Ident,
    value: Expr,
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected `name = value`, where the name is one of {NAMES}"),
            )
        })?;
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                name.span(),
                format!("`{name}` needs a value: `{name} = ...`"),
            ));
        }
        input.parse::<Token![=]>()?;
        let value = input.parse()?;
        Ok(Arg { name, value })
    }
}

/// The literal `value` is, if it is one (`-1` is not: it is a unary expression).
fn literal(value: &Expr) -> Option<&Lit> {
    match value {
        Expr::Lit(lit) => Some(&lit.lit),
        _ => None,
    }
}

fn spec_path(value: Expr) -> syn::Result<LitStr> {
    match literal(&value) {
        Some(Lit::Str(path)) if !path.value().trim().is_empty() => Ok(path.clone()),
        Some(Lit::Str(path)) => Err(syn::Error::new(
            path.span(),
            "`spec` is empty: give the spec file's path, relative to the crate's Cargo.toml",
        )),
        _ => Err(syn::Error::new_spanned(
            value,
            "`spec` takes a string literal: spec = \"schema/app.toml\"",
        )),
    }
}

fn seed_value(value: &Expr) -> syn::Result<u64> {
    match literal(value) {
        Some(Lit::Int(seed)) => seed.base10_parse::<u64>().map_err(|_| {
            syn::Error::new(
                seed.span(),
                "`seed` takes a whole number from 0 to 18446744073709551615",
            )
        }),
        _ => Err(syn::Error::new_spanned(
            value,
            "`seed` takes an integer literal: seed = 42",
        )),
    }
}

fn scale_value(value: &Expr) -> syn::Result<f64> {
    let (scale, span) = match literal(value) {
        Some(Lit::Float(scale)) => (scale.base10_parse::<f64>()?, scale.span()),
        Some(Lit::Int(scale)) => (scale.base10_parse::<f64>()?, scale.span()),
        _ => {
            return Err(syn::Error::new_spanned(
                value,
                "`scale` takes a number literal: scale = 0.5",
            ));
        }
    };
    if scale.is_finite() && scale > 0.0 {
        Ok(scale)
    } else {
        Err(syn::Error::new(
            span,
            "`scale` multiplies the spec's row counts: give a number above 0",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn parse(args: &str) -> syn::Result<Args> {
        syn::parse_str(args)
    }

    fn error(args: &str) -> String {
        parse(args).err().expect("must be refused").to_string()
    }

    #[test]
    fn the_spec_alone_is_enough() {
        let args = parse(r#"spec = "schema/welfare.toml""#).unwrap();
        assert_eq!(args.spec.value(), "schema/welfare.toml");
        assert!(args.database_url.is_none() && args.store.is_none());
        assert_eq!((args.seed, args.scale), (None, None));
    }

    #[test]
    fn every_argument_is_read_in_any_order_with_a_trailing_comma() {
        let args = parse(
            r#"seed = 7, database_url = scratch(Backend::Postgres).await, scale = 0.05,
               store = tempfile::tempdir().unwrap(), spec = "/abs/spec.toml","#,
        )
        .unwrap();
        assert_eq!(args.spec.value(), "/abs/spec.toml");
        assert_eq!(args.seed, Some(7));
        assert_eq!(args.scale, Some(0.05));
        let text = |e: &Option<Expr>| e.as_ref().unwrap().to_token_stream().to_string();
        assert_eq!(
            text(&args.database_url),
            "scratch (Backend :: Postgres) . await"
        );
        assert_eq!(text(&args.store), "tempfile :: tempdir () . unwrap ()");
    }

    #[test]
    fn database_url_and_store_take_any_expression() {
        let args = parse(
            r#"spec = "s.toml",
               database_url = match source().await { Some(s) => s, None => return Ok(()) },
               store = "target/snapshots""#,
        )
        .unwrap();
        assert!(matches!(args.database_url, Some(Expr::Match(_))));
        assert!(matches!(args.store, Some(Expr::Lit(_))));
    }

    #[test]
    fn a_whole_number_is_a_scale_too() {
        assert_eq!(
            parse(r#"spec = "s.toml", scale = 2"#).unwrap().scale,
            Some(2.0)
        );
    }

    #[test]
    fn a_missing_spec_says_how_to_give_one() {
        for args in ["", "seed = 1", r#"database_url = "sqlite://a.db""#] {
            let message = error(args);
            assert!(
                message.contains("needs the spec")
                    && message.contains("spec = \"schema/app.toml\""),
                "{args}: {message}"
            );
        }
    }

    #[test]
    fn a_bare_path_is_told_to_name_its_argument() {
        assert_eq!(
            error(r#""schema/welfare.toml""#),
            "name the argument: #[fixtura::test(spec = \"schema/welfare.toml\")]"
        );
    }

    #[test]
    fn an_unknown_argument_is_named_with_the_ones_there_are() {
        let err = parse(r#"spec = "s.toml", sed = 42"#).err().unwrap();
        assert_eq!(
            err.to_string(),
            "unknown argument `sed`: #[fixtura::test] takes spec, database_url, store, seed and scale"
        );
    }

    #[test]
    fn an_argument_given_twice_is_refused() {
        assert_eq!(
            error(r#"spec = "a.toml", seed = 1, seed = 2"#),
            "`seed` is given twice"
        );
        assert_eq!(
            error(r#"spec = "a.toml", spec = "b.toml""#),
            "`spec` is given twice"
        );
    }

    #[test]
    fn values_of_the_wrong_kind_are_refused() {
        for (args, expected) in [
            (r#"spec = SPEC"#, "`spec` takes a string literal"),
            (r#"spec = """#, "`spec` is empty"),
            (
                r#"spec = "s.toml", seed = "42""#,
                "`seed` takes an integer literal",
            ),
            (
                r#"spec = "s.toml", seed = -1"#,
                "`seed` takes an integer literal",
            ),
            (
                r#"spec = "s.toml", seed = 1.5"#,
                "`seed` takes an integer literal",
            ),
            (
                r#"spec = "s.toml", scale = "0.5""#,
                "`scale` takes a number literal",
            ),
            (r#"spec = "s.toml", scale = 0.0"#, "give a number above 0"),
            (
                r#"spec = "s.toml", scale"#,
                "`scale` needs a value: `scale = ...`",
            ),
            (r#"spec = "s.toml", 42"#, "expected `name = value`"),
        ] {
            let message = error(args);
            assert!(message.contains(expected), "{args}: {message}");
        }
    }
}
