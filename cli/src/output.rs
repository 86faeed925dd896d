//! `-T fields` output, formatted as tshark 4.0 formats it.

use std::io::{self, Write};

use dissector_core::fields::{values_indexed, write_value, LayerIndex, Value};
use dissector_core::Packet;

use crate::Config;

/// Prints one line per packet with the configured fields.
pub struct FieldsPrinter<'c> {
    c: &'c Config,
    line: String,
    /// Storage for one field's values, kept between packets (emptied, never read across them).
    spare: Vec<Value<'static>>,
    /// The separator when it is one character (a tab unless -E separator= says): pushed, not
    /// copied.
    sep_char: Option<char>,
}

impl<'c> FieldsPrinter<'c> {
    /// A printer for `c`.
    pub fn new(c: &'c Config) -> Self {
        let sep_char = Some(&c.separator).filter(|s| s.len() == 1).and_then(|s| s.chars().next());
        FieldsPrinter { c, line: String::with_capacity(512), spare: Vec::with_capacity(8), sep_char }
    }

    /// The header line: the field names.
    pub fn header(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let names: Vec<&str> = self.c.fields.iter().map(|f| f.info().abbrev).collect();
        writeln!(out, "{}", names.join(&self.c.separator))
    }

    /// One packet's line.
    pub fn packet(&mut self, out: &mut dyn Write, pkt: &Packet<'_>) -> io::Result<()> {
        self.line.clear();
        // Reuse the allocation (Vec is covariant: 'static values stand in for the packet's).
        let mut vals: Vec<Value<'_>> = std::mem::take(&mut self.spare);
        let index = LayerIndex::new(pkt);
        for (i, &f) in self.c.fields.iter().enumerate() {
            if i > 0 {
                match self.sep_char {
                    Some(c) => self.line.push(c),
                    None => self.line.push_str(&self.c.separator),
                }
            }
            vals.clear();
            values_indexed(pkt, &index, f, &mut vals);
            let chosen = self.c.occurrence.pick(&vals);
            if let Some(q) = self.c.quote {
                self.line.push(q);
            }
            for (k, v) in chosen.iter().enumerate() {
                if k > 0 {
                    self.line.push_str(&self.c.aggregator);
                }
                write_value(&mut self.line, f.info(), v);
            }
            if let Some(q) = self.c.quote {
                self.line.push(q);
            }
        }
        self.line.push('\n');
        vals.clear();
        // Back to 'static: collecting the (empty) Vec in place keeps its allocation; `filter`
        // would keep the packet's lifetime, which is why clippy's suggestion does not apply.
        #[allow(clippy::unnecessary_filter_map)]
        let spare = vals.into_iter().filter_map(|_| None).collect();
        self.spare = spare;
        out.write_all(self.line.as_bytes())
    }
}
