use std::fmt::Display;

/// Identifies a benchmark inside a group, as criterion's `BenchmarkId` does.
/// It keeps its parts readable for the benchmark's URI.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BenchmarkId {
    pub(crate) function: Option<String>,
    pub(crate) parameter: Option<String>,
}

impl BenchmarkId {
    /// A benchmark of `function_name` with `parameter`.
    pub fn new<S: Into<String>, P: Display>(function_name: S, parameter: P) -> BenchmarkId {
        BenchmarkId {
            function: Some(function_name.into()),
            parameter: Some(parameter.to_string()),
        }
    }

    /// A benchmark named by its parameter alone, the group being the function.
    pub fn from_parameter<P: Display>(parameter: P) -> BenchmarkId {
        BenchmarkId {
            function: None,
            parameter: Some(parameter.to_string()),
        }
    }

    /// The real criterion's id: a plain name stays a name, for criterion
    /// shows a `BenchmarkId` with an empty parameter differently.
    pub(crate) fn to_real(&self) -> RealId {
        match (&self.function, &self.parameter) {
            (Some(f), None) => RealId::Name(f.clone()),
            (Some(f), Some(p)) => RealId::Id(real_criterion::BenchmarkId::new(f.clone(), p)),
            (None, p) => RealId::Id(real_criterion::BenchmarkId::from_parameter(
                p.as_deref().unwrap_or_default(),
            )),
        }
    }

    /// The URI part after the group: `::function[parameter]`, `[parameter]`.
    pub(crate) fn uri_suffix(&self) -> String {
        let mut s = String::new();
        if let Some(f) = &self.function {
            s.push_str("::");
            s.push_str(f);
        }
        if let Some(p) = &self.parameter {
            s.push('[');
            s.push_str(p);
            s.push(']');
        }
        s
    }
}

/// An id as the real criterion takes it.
pub(crate) enum RealId {
    Name(String),
    Id(real_criterion::BenchmarkId),
}

/// What a group's `bench_function` accepts as an id: a `BenchmarkId`, or
/// anything that becomes a `String`.
pub trait IntoBenchmarkId {
    fn into_benchmark_id(self) -> BenchmarkId;
}

impl IntoBenchmarkId for BenchmarkId {
    fn into_benchmark_id(self) -> BenchmarkId {
        self
    }
}

impl<S: Into<String>> IntoBenchmarkId for S {
    fn into_benchmark_id(self) -> BenchmarkId {
        BenchmarkId {
            function: Some(self.into()),
            parameter: None,
        }
    }
}
