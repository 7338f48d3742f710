//! What `#[fixtura::test]` makes of a test function: the checks on its shape, then a plain
//! `#[test] fn` that runs the original, kept whole as an inner `async fn`, on fixtura's
//! runtime with a database of its own.
//!
//! ```text
//! #[attrs] #[test] fn name() -> R {
//!     async fn name(pool: P) -> R { body }
//!     ::fixtura::__private::block_on(async {
//!         let outcome = outcome::<R>();              // R: Outcome, checked at R
//!         let builder = TestDb::builder(<CARGO_MANIFEST_DIR>/<spec>);
//!         let url = url(<database_url>);             // AsRef<str>, checked there; the
//!         let builder = database_url(builder, &url);  // guards live until the end
//!         let store = store_dir(<store>);            // AsRef<Path>
//!         let builder = store(builder, &store).seed(<seed>).scale(<scale>);
//!         run::<P, _, _, _>(builder, name, outcome).await   // P: Pool, checked at P
//!         // (with `#[should_panic]`, `outcome.expecting_panic()`: a panic passes the test)
//!     })
//! }
//! ```
//!
//! `run` (in fixtura's `src/testdb.rs`) ensures the copy, hands the pool to the body and
//! closes the copy when the outcome passed; the guards drop after it returns. The type
//! checks are the compiler's, through the bounds of `outcome` and `run`, asked with the
//! user's spans so that its errors point at the type to change.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, PatType, ReturnType, Visibility};

use crate::args::Args;

/// The test function for `item`, or the errors that say what to change.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let function: ItemFn = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "#[fixtura::test] goes on an `async fn` test function",
        )
    })?;
    // Both are checked before either error is reported, so one build shows every mistake.
    let args = syn::parse2::<Args>(args);
    let pool = check(&function);
    let (args, pool) = match (args, pool) {
        (Ok(args), Ok(pool)) => (args, pool),
        (Err(mut a), Err(b)) => {
            a.combine(b);
            return Err(a);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    Ok(test_function(&args, &function, pool))
}

/// The pool parameter of a function `#[fixtura::test]` can run, if it has one.
fn check(function: &ItemFn) -> syn::Result<Option<&PatType>> {
    let sig = &function.sig;
    let mut errors: Vec<syn::Error> = Vec::new();
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span(),
            "#[fixtura::test] runs an `async fn`: write `async fn`",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            "a test function has no generic parameters",
        ));
    }
    let mut pool = None;
    for (i, input) in sig.inputs.iter().enumerate() {
        match input {
            FnArg::Receiver(receiver) => errors.push(syn::Error::new_spanned(
                receiver,
                "a test function is not a method: remove `self` (its one parameter, if any, \
                 is the pool)",
            )),
            FnArg::Typed(typed) if i == 0 => pool = Some(typed),
            FnArg::Typed(typed) => errors.push(syn::Error::new_spanned(
                typed,
                "#[fixtura::test] hands a test one parameter at most: the pool \
                 (sqlx::PgPool, sqlx::MySqlPool, sqlx::SqlitePool or fixtura::Db)",
            )),
        }
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new_spanned(
            variadic,
            "a test function is not variadic",
        ));
    }
    for attr in &function.attrs {
        let path = attr.path();
        if path.segments.last().is_some_and(|s| s.ident == "test") {
            errors.push(syn::Error::new_spanned(
                attr,
                "#[fixtura::test] makes the test and its runtime: remove this attribute",
            ));
        }
    }
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(pool),
        Some(mut first) => {
            errors.for_each(|e| first.combine(e));
            Err(first)
        }
    }
}

fn test_function(args: &Args, function: &ItemFn, pool: Option<&PatType>) -> TokenStream {
    let name = &function.sig.ident;
    let output = &function.sig.output;
    let vis = &function.vis;
    let attrs = &function.attrs;
    // The original function, whole, as an item of the test: the body keeps its spans,
    // `?`, `return` and lints; only its attributes move to the test.
    let mut body = function.clone();
    body.attrs.clear();
    body.vis = Visibility::Inherited;

    // Hygienic names: the user's expressions cannot see them, nor they the user's.
    let local = |name: &str| format_ident!("__fixtura_{}", name, span = Span::mixed_site());
    let builder = local("builder");
    let mut steps = Vec::new();
    if let Some(url) = &args.database_url {
        let guard = local("database_url");
        steps.push(quote_spanned! {url.span()=>
            let #guard = ::fixtura::__private::url(#url);
            let #builder = ::fixtura::__private::database_url(#builder, &#guard);
        });
    }
    if let Some(store) = &args.store {
        let guard = local("store");
        steps.push(quote_spanned! {store.span()=>
            let #guard = ::fixtura::__private::store_dir(#store);
            let #builder = ::fixtura::__private::store(#builder, &#guard);
        });
    }
    if let Some(seed) = args.seed {
        let seed = Literal::u64_suffixed(seed);
        steps.push(quote!(let #builder = #builder.seed(#seed);));
    }
    if let Some(scale) = args.scale {
        let scale = Literal::f64_suffixed(scale);
        steps.push(quote!(let #builder = #builder.scale(#scale);));
    }
    let spec = &args.spec;
    // Each type check is asked where its type is written, so the compiler reports a wrong
    // type there, once: the outcome at the return type, the pool at the parameter's type.
    let outcome = local("outcome");
    let mut outcome_check = match output {
        ReturnType::Default => quote!(let #outcome = ::fixtura::__private::outcome::<()>();),
        ReturnType::Type(_, ty) => quote_spanned! {ty.span()=>
            let #outcome = ::fixtura::__private::outcome::<#ty>();
        },
    };
    // A `#[should_panic]` test passes by panicking: its copy is dropped then, kept if not.
    if attrs.iter().any(|a| a.path().is_ident("should_panic")) {
        outcome_check.extend(quote!(let #outcome = #outcome.expecting_panic();));
    }
    let run = match pool {
        Some(pool) => {
            let ty = &pool.ty;
            quote_spanned! {ty.span()=>
                ::fixtura::__private::run::<#ty, _, _, _>(#builder, #name, #outcome).await
            }
        }
        None => quote! {
            ::fixtura::__private::run(#builder, |_: ::fixtura::Db| #name(), #outcome).await
        },
    };
    quote! {
        #(#attrs)*
        #[::core::prelude::v1::test]
        #vis fn #name() #output {
            #body
            ::fixtura::__private::block_on(async {
                #outcome_check
                let #builder = ::fixtura::TestDb::builder(::fixtura::__private::spec_path(
                    ::core::env!("CARGO_MANIFEST_DIR"),
                    #spec,
                ));
                #(#steps)*
                #run
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(args: &str, item: &str) -> syn::Result<String> {
        let args: TokenStream = args.parse().unwrap();
        let item: TokenStream = item.parse().unwrap();
        expand(args, item).map(|tokens| tokens.to_string())
    }

    fn error(args: &str, item: &str) -> String {
        let err = expanded(args, item).expect_err("must be refused");
        err.into_iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    const SPEC: &str = r#"spec = "schema/welfare.toml""#;

    #[test]
    fn a_pool_test_becomes_a_plain_test_that_runs_it_with_its_database() {
        let out = expanded(
            r#"spec = "schema/welfare.toml", database_url = source().await, store = dir(), seed = 7, scale = 0.5"#,
            "/// Offices.\n#[ignore] async fn offices(pool: sqlx::PgPool) -> fixtura::Result<()> { Ok(()) }",
        )
        .unwrap();
        for part in [
            "# [doc = \" Offices.\"] # [ignore] # [:: core :: prelude :: v1 :: test] fn offices () -> fixtura :: Result < () >",
            "async fn offices (pool : sqlx :: PgPool) -> fixtura :: Result < () > { Ok (()) }",
            "let __fixtura_outcome = :: fixtura :: __private :: outcome :: < fixtura :: Result < () > > () ;",
            ":: fixtura :: __private :: block_on (async {",
            ":: fixtura :: TestDb :: builder (:: fixtura :: __private :: spec_path (:: core :: env ! (\"CARGO_MANIFEST_DIR\") , \"schema/welfare.toml\" ,)) ;",
            "let __fixtura_database_url = :: fixtura :: __private :: url (source () . await) ;",
            ":: fixtura :: __private :: database_url (__fixtura_builder , & __fixtura_database_url) ;",
            "let __fixtura_store = :: fixtura :: __private :: store_dir (dir ()) ;",
            "__fixtura_builder . seed (7u64) ;",
            "__fixtura_builder . scale (0.5f64) ;",
            ":: fixtura :: __private :: run :: < sqlx :: PgPool , _ , _ , _ > (__fixtura_builder , offices , __fixtura_outcome) . await",
        ] {
            assert!(out.contains(part), "{part}\nnot in\n{out}");
        }
        // The guards are bound before the database is made, and outlive the run.
        let url = out.find("let __fixtura_database_url").unwrap();
        assert!(url < out.find(":: run ::").unwrap());
    }

    #[test]
    fn a_should_panic_test_passes_by_panicking() {
        let out = expanded(SPEC, "#[should_panic] async fn panics() { panic!() }").unwrap();
        assert!(
            out.contains("let __fixtura_outcome = __fixtura_outcome . expecting_panic () ;"),
            "{out}"
        );
        let out = expanded(SPEC, "async fn returns() {}").unwrap();
        assert!(!out.contains("expecting_panic"), "{out}");
    }

    #[test]
    fn a_test_without_a_parameter_gets_any_backend() {
        let out = expanded(SPEC, "async fn counts() {}").unwrap();
        assert!(
            out.contains(
                ":: fixtura :: __private :: run (__fixtura_builder , | _ : :: fixtura :: Db | counts () , __fixtura_outcome) . await"
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "let __fixtura_outcome = :: fixtura :: __private :: outcome :: < () > () ;"
            ),
            "{out}"
        );
    }

    #[test]
    fn a_function_that_is_not_async_is_refused() {
        assert_eq!(
            error(SPEC, "fn offices(pool: sqlx::PgPool) {}"),
            "#[fixtura::test] runs an `async fn`: write `async fn`"
        );
    }

    #[test]
    fn more_than_one_parameter_is_refused() {
        assert_eq!(
            error(SPEC, "async fn offices(pool: sqlx::PgPool, other: u32) {}"),
            "#[fixtura::test] hands a test one parameter at most: the pool (sqlx::PgPool, \
             sqlx::MySqlPool, sqlx::SqlitePool or fixtura::Db)"
        );
    }

    #[test]
    fn a_self_parameter_is_refused() {
        assert!(
            error(SPEC, "async fn offices(&self) {}")
                .starts_with("a test function is not a method: remove `self`")
        );
    }

    #[test]
    fn generics_are_refused() {
        assert_eq!(
            error(SPEC, "async fn offices<P: fixtura::Pool>(pool: P) {}"),
            "a test function has no generic parameters"
        );
    }

    #[test]
    fn a_second_test_attribute_is_refused() {
        for attr in ["#[test]", "#[tokio::test]", "#[sqlx::test]"] {
            assert_eq!(
                error(SPEC, &format!("{attr} async fn offices() {{}}")),
                "#[fixtura::test] makes the test and its runtime: remove this attribute"
            );
        }
    }

    #[test]
    fn an_item_that_is_not_a_function_is_refused() {
        assert_eq!(
            error(SPEC, "struct Offices;"),
            "#[fixtura::test] goes on an `async fn` test function"
        );
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let message = error("sed = 1", "fn offices(a: sqlx::PgPool, b: u32) {}");
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(lines.len(), 3, "{message}");
        assert!(lines[0].starts_with("unknown argument `sed`"), "{message}");
        assert!(
            lines[1].starts_with("#[fixtura::test] runs an `async fn`"),
            "{message}"
        );
        assert!(
            lines[2].starts_with("#[fixtura::test] hands a test one parameter"),
            "{message}"
        );
    }
}
