//! Attribute macros of `memtally-divan-compat`.
//!
//! `#[divan::bench]` keeps the user's function as written and emits two
//! registrations for it: the real divan's, through a thin wrapper function
//! that converts divan's `Bencher` into the compat one, so that outside the
//! runner the real harness runs it; and memtally's own, a function that runs
//! each instance (type, const, argument) once under the runner.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::{format_ident, quote, ToTokens};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, FnArg, GenericParam, ItemFn, ItemMod, Token, Type};

/// The options of `#[divan::bench(...)]` that this macro reads; all are also
/// passed on to the real divan as written.
#[derive(Default)]
struct Options {
    passthrough: Vec<Tokens>,
    name: Option<Expr>,
    types: Option<Vec<Type>>,
    consts: Option<Vec<Expr>>,
    args: Option<Expr>,
}

fn parse_options(attr: TokenStream, bench: bool) -> syn::Result<Options> {
    let mut opts = Options::default();
    let parser = syn::meta::parser(|meta| {
        let ident = meta
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        let path = &meta.path;
        if !meta.input.peek(Token![=]) {
            opts.passthrough.push(path.to_token_stream());
            return Ok(());
        }
        let value = meta.value()?;
        match ident.as_str() {
            // The compat crate names the real divan itself.
            "crate" => {
                let _: syn::Path = value.parse()?;
            }
            "name" => opts.name = Some(value.parse()?),
            "types" if bench => {
                let content;
                syn::bracketed!(content in value);
                let types = Punctuated::<Type, Token![,]>::parse_terminated(&content)?;
                opts.passthrough.push(quote!(types = [#types]));
                opts.types = Some(types.into_iter().collect());
            }
            "consts" if bench => {
                let expr: Expr = value.parse()?;
                let Expr::Array(array) = &expr else {
                    return Err(
                        meta.error("memtally-divan-compat supports `consts` as an array literal")
                    );
                };
                opts.consts = Some(array.elems.iter().cloned().collect());
                opts.passthrough.push(quote!(consts = #expr));
            }
            "args" if bench => {
                let expr: Expr = value.parse()?;
                opts.passthrough.push(quote!(args = #expr));
                opts.args = Some(expr);
            }
            _ => {
                let expr: Expr = value.parse()?;
                opts.passthrough.push(quote!(#path = #expr));
            }
        }
        Ok(())
    });
    parser.parse(attr)?;
    Ok(opts)
}

/// Registers a benchmark with the real divan and with memtally.
#[proc_macro_attribute]
pub fn bench(attr: TokenStream, item: TokenStream) -> TokenStream {
    let opts = match parse_options(attr, true) {
        Ok(o) => o,
        Err(e) => return e.to_compile_error().into(),
    };
    let func = syn::parse_macro_input!(item as ItemFn);
    match expand_bench(opts, &func) {
        Ok(t) => t.into(),
        Err(e) => {
            let err = e.to_compile_error();
            quote!(#func #err).into()
        }
    }
}

fn expand_bench(opts: Options, func: &ItemFn) -> syn::Result<Tokens> {
    let sig = &func.sig;
    let ident = &sig.ident;
    let fn_name = ident.to_string();
    let fn_name = fn_name.strip_prefix("r#").unwrap_or(&fn_name).to_owned();
    let name = match &opts.name {
        Some(e) => e.to_token_stream(),
        None => quote!(#fn_name),
    };
    let ignored = func.attrs.iter().any(|a| a.path().is_ident("ignore"));
    let ignore_attrs: Vec<_> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("ignore"))
        .collect();

    let inputs: Vec<&FnArg> = sig.inputs.iter().collect();
    let (has_bencher, arg_ty) =
        match (inputs.len(), &opts.args) {
            (0, None) => (false, None),
            (1, None) => (true, None),
            (1, Some(_)) => (false, Some(typed(inputs[0])?)),
            (2, Some(_)) => (true, Some(typed(inputs[1])?)),
            _ => return Err(syn::Error::new_spanned(
                &sig.inputs,
                "expected `fn(Bencher)`, `fn(arg)` with `args`, or `fn(Bencher, arg)` with `args`",
            )),
        };
    let arg_ty = arg_ty.map(|ty| match ty {
        // Lifetimes of the argument's reference would escape their
        // declaration in the generated code, as divan itself notes.
        Type::Reference(r) if r.lifetime.is_some() => {
            let mut r = r.clone();
            r.lifetime = None;
            Type::Reference(r)
        }
        other => other.clone(),
    });

    // The real divan's registration, on a wrapper taking its Bencher.
    let wrapper = format_ident!("__memtally_divan_{}", fn_name);
    let generics = &sig.generics;
    let where_clause = &generics.where_clause;
    let generic_args: Vec<Tokens> = generics
        .params
        .iter()
        .filter_map(|p| match p {
            GenericParam::Type(t) => Some(t.ident.to_token_stream()),
            GenericParam::Const(c) => Some(c.ident.to_token_stream()),
            GenericParam::Lifetime(_) => None,
        })
        .collect();
    let turbofish = if generic_args.is_empty() {
        quote!()
    } else {
        quote!(::<#(#generic_args),*>)
    };
    let output = &sig.output;
    let mut wrapper_params = Vec::new();
    let mut call_args = Vec::new();
    if has_bencher {
        wrapper_params.push(quote!(__divan: ::divan::__memtally::real::Bencher));
        call_args.push(quote!(::divan::Bencher::__from_real(__divan)));
    }
    if let Some(FnArg::Typed(pat)) = inputs.last().filter(|_| opts.args.is_some()) {
        let ty = &pat.ty;
        wrapper_params.push(quote!(__divan_arg: #ty));
        call_args.push(quote!(__divan_arg));
    }
    let passthrough = &opts.passthrough;
    let real_bench = quote! {
        #(#ignore_attrs)*
        #[::divan::__memtally::real::bench(crate = ::divan::__memtally::real, name = #name, #(#passthrough),*)]
        #[doc(hidden)]
        fn #wrapper #generics (#(#wrapper_params),*) #output #where_clause {
            #ident #turbofish (#(#call_args),*)
        }
    };

    // memtally's registration: one run-once call per instance.
    let types: Vec<Option<&Type>> = match &opts.types {
        Some(t) => t.iter().map(Some).collect(),
        None => vec![None],
    };
    let consts: Vec<Option<&Expr>> = match &opts.consts {
        Some(c) => c.iter().map(Some).collect(),
        None => vec![None],
    };
    let type_first = {
        let mut t = None;
        let mut c = None;
        for (i, p) in generics.params.iter().enumerate() {
            match p {
                GenericParam::Type(_) if t.is_none() => t = Some(i),
                GenericParam::Const(_) if c.is_none() => c = Some(i),
                _ => {}
            }
        }
        matches!((t, c), (Some(t), Some(c)) if t < c) || c.is_none()
    };
    let mut instances = Vec::new();
    for ty in &types {
        for cv in &consts {
            let mut gen = Vec::new();
            let mut labels = Vec::new();
            if let Some(ty) = ty {
                labels.push(quote!(::divan::__memtally::type_label::<#ty>()));
            }
            if let Some(cv) = cv {
                labels.push(
                    quote!(::divan::__memtally::real::__private::ToStringHelper(&#cv).to_string()),
                );
            }
            match (ty, cv) {
                (Some(ty), Some(cv)) if type_first => gen.extend([quote!(#ty), quote!({ #cv })]),
                (Some(ty), Some(cv)) => gen.extend([quote!({ #cv }), quote!(#ty)]),
                (Some(ty), None) => gen.push(quote!(#ty)),
                (None, Some(cv)) => gen.push(quote!({ #cv })),
                (None, None) => {}
            }
            let f = if gen.is_empty() {
                quote!(#ident)
            } else {
                quote!(#ident::<#(#gen),*>)
            };
            let body = match (&opts.args, has_bencher) {
                (None, true) => quote!(__ctx.run(&__labels, |__b| #f(__b));),
                (None, false) => quote!(__ctx.run(&__labels, |__b| __b.bench_local(|| #f()));),
                (Some(args), _) => {
                    let get =
                        quote!(::divan::__memtally::real::__private::Arg::<#arg_ty>::get(&__arg));
                    let call = if has_bencher {
                        quote!(|__b| #f(__b, #get))
                    } else {
                        quote!(|__b| __b.bench_local(|| #f(#get)))
                    };
                    quote! {
                        for __arg in ::std::iter::IntoIterator::into_iter({ #args }) {
                            let mut __with_arg = __labels.clone();
                            __with_arg.push(::divan::__memtally::real::__private::ToStringHelper(&__arg).to_string());
                            __ctx.run(&__with_arg, #call);
                        }
                    }
                }
            };
            instances.push(quote! {{
                let __labels: ::std::vec::Vec<::std::string::String> = ::std::vec![#(#labels),*];
                #body
            }});
        }
    }
    let memtally_entry = quote! {
        const _: () = {
            #[::divan::__memtally::linkme::distributed_slice(::divan::__memtally::ENTRIES)]
            #[linkme(crate = ::divan::__memtally::linkme)]
            static ENTRY: ::divan::__memtally::Entry = ::divan::__memtally::Entry {
                name: #name,
                module_path: ::std::module_path!(),
                manifest_dir: ::std::env!("CARGO_MANIFEST_DIR"),
                ignored: #ignored,
                run,
            };
            fn run(__ctx: &mut ::divan::__memtally::Context) {
                #(#instances)*
            }
        };
    };

    Ok(quote! {
        #func
        #real_bench
        #memtally_entry
    })
}

fn typed(arg: &FnArg) -> syn::Result<&Type> {
    match arg {
        FnArg::Typed(p) => Ok(&p.ty),
        FnArg::Receiver(r) => Err(syn::Error::new_spanned(r, "benchmarks cannot take self")),
    }
}

/// Groups benchmarks for the real divan; memtally groups them by module.
#[proc_macro_attribute]
pub fn bench_group(attr: TokenStream, item: TokenStream) -> TokenStream {
    let opts = match parse_options(attr, false) {
        Ok(o) => o,
        Err(e) => return e.to_compile_error().into(),
    };
    let module = syn::parse_macro_input!(item as ItemMod);
    let passthrough = &opts.passthrough;
    let name = opts.name.map(|n| quote!(name = #n,));
    quote! {
        #[::divan::__memtally::real::bench_group(crate = ::divan::__memtally::real, #name #(#passthrough),*)]
        #module
    }
    .into()
}
