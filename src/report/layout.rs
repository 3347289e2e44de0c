//! A small page-layout engine over printpdf's positioned operations: A4 pages with margins,
//! text wrapped by measured glyph widths, headings kept with what follows, tables that break
//! across pages with the header repeated and zebra rows, simple vector charts, a footer with
//! "Side X af Y", bookmarks per section and document metadata. Output is deterministic: the
//! same content and generation time give the same bytes.

use std::sync::OnceLock;

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PageAnnotId, PageAnnotation, ParsedFont, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem, TextMatrix,
};
use sha2::{Digest, Sha256};

pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
/// 18 mm on every side: nothing is drawn outside this frame, footer included.
pub const MARGIN: f32 = 51.0;
pub const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
const FOOTER_H: f32 = 22.0;
/// Content ends here; the footer sits below, still inside the margin frame.
const CONTENT_BOTTOM: f32 = PAGE_H - MARGIN - FOOTER_H;

const REGULAR_TTF: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb8(pub u8, pub u8, pub u8);

impl Rgb8 {
    fn color(self) -> Color {
        Color::Rgb(Rgb {
            r: f32::from(self.0) / 255.0,
            g: f32::from(self.1) / 255.0,
            b: f32::from(self.2) / 255.0,
            icc_profile: None,
        })
    }
}

pub const BLACK: Rgb8 = Rgb8(33, 37, 41);
pub const GREY: Rgb8 = Rgb8(108, 117, 125);
pub const LIGHT: Rgb8 = Rgb8(222, 226, 230);
pub const ZEBRA: Rgb8 = Rgb8(244, 246, 248);
pub const ACCENT: Rgb8 = Rgb8(0, 92, 75);
pub const HEADER_BG: Rgb8 = Rgb8(226, 239, 235);

struct FontData {
    face: ttf_parser::Face<'static>,
    parsed: ParsedFont,
    /// Advance widths in font units of the characters below `CACHED_CHARS` (Latin, with
    /// Danish), so measuring text does not look each character up in the font's `cmap`; the
    /// same widths as the font's (unit test).
    advances: Vec<f32>,
}

/// Characters whose advance widths are kept in a table: Basic Latin, Latin-1 and Latin
/// Extended-A/B. Others (₂, dashes, quotes) are looked up in the font.
const CACHED_CHARS: char = '\u{250}';

impl FontData {
    fn new(bytes: &'static [u8]) -> Self {
        // The fonts are compiled in and known good: failing here is a build defect.
        let face = ttf_parser::Face::parse(bytes, 0).expect("bundled TTF parses");
        let advances = ('\0'..CACHED_CHARS)
            .map(|c| advance_in_face(&face, c))
            .collect();
        FontData {
            face,
            parsed: ParsedFont::from_bytes(bytes, 0, &mut Vec::new()).expect("bundled TTF parses"),
            advances,
        }
    }

    fn advance(&self, c: char) -> f32 {
        match self.advances.get(c as usize) {
            Some(&w) => w,
            None => advance_in_face(&self.face, c),
        }
    }
}

/// A character's advance width in font units; half an em for one the font lacks.
fn advance_in_face(face: &ttf_parser::Face<'_>, c: char) -> f32 {
    face.glyph_index(c)
        .and_then(|g| face.glyph_hor_advance(g))
        .map_or(f32::from(face.units_per_em()) * 0.5, f32::from)
}

fn font(weight: Weight) -> &'static FontData {
    static REGULAR: OnceLock<FontData> = OnceLock::new();
    static BOLD: OnceLock<FontData> = OnceLock::new();
    let (cell, bytes) = match weight {
        Weight::Regular => (&REGULAR, REGULAR_TTF),
        Weight::Bold => (&BOLD, BOLD_TTF),
    };
    cell.get_or_init(|| FontData::new(bytes))
}

/// Width of `text` in points.
pub fn text_width(text: &str, weight: Weight, size: f32) -> f32 {
    let f = font(weight);
    let upem = f32::from(f.face.units_per_em());
    let units: f32 = text.chars().map(|c| f.advance(c)).sum();
    units / upem * size
}

fn ascent(weight: Weight, size: f32) -> f32 {
    let f = &font(weight).face;
    f32::from(f.ascender()) / f32::from(f.units_per_em()) * size
}

/// Break `text` into lines no wider than `max_w`, at spaces where possible. Each word is
/// measured once and line widths are summed, so long texts stay linear.
pub fn wrap(text: &str, weight: Weight, size: f32, max_w: f32) -> Vec<String> {
    let space = text_width(" ", weight, size);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        for word in para.split_whitespace() {
            let w = text_width(word, weight, size);
            if line.is_empty() && w <= max_w {
                line.push_str(word);
                line_w = w;
                continue;
            }
            if !line.is_empty() && line_w + space + w <= max_w {
                line.push(' ');
                line.push_str(word);
                line_w += space + w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if w <= max_w {
                line.push_str(word);
                line_w = w;
                continue;
            }
            // A word wider than the line is cut where it must be.
            let mut piece = String::new();
            let mut piece_w = 0.0;
            for c in word.chars() {
                let cw = text_width(c.encode_utf8(&mut [0; 4]), weight, size);
                if !piece.is_empty() && piece_w + cw > max_w {
                    lines.push(std::mem::take(&mut piece));
                    piece_w = 0.0;
                }
                piece.push(c);
                piece_w += cw;
            }
            line = piece;
            line_w = piece_w;
        }
        lines.push(line);
    }
    lines
}

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    pub width: f32,
    pub color: Rgb8,
    pub dashed: bool,
}

impl Stroke {
    pub fn solid(width: f32, color: Rgb8) -> Self {
        Self {
            width,
            color,
            dashed: false,
        }
    }

    pub fn dashed(width: f32, color: Rgb8) -> Self {
        Self {
            width,
            color,
            dashed: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    /// Share of the content width.
    pub width: f32,
    pub align: Align,
}

impl Column {
    pub fn new(title: &str, width: f32) -> Self {
        Self {
            title: title.to_string(),
            width,
            align: Align::Left,
        }
    }

    pub fn right(mut self) -> Self {
        self.align = Align::Right;
        self
    }
}

#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub weight: Weight,
    /// A small coloured marker before the text (status colours).
    pub marker: Option<Rgb8>,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            weight: Weight::Regular,
            marker: None,
        }
    }

    pub fn bold(mut self) -> Self {
        self.weight = Weight::Bold;
        self
    }

    pub fn marker(mut self, c: Rgb8) -> Self {
        self.marker = Some(c);
        self
    }
}

#[derive(Debug, Clone)]
pub enum Row {
    Cells(Vec<Cell>),
    /// A full-width group heading inside a table (e.g. a measure's title).
    Group(String),
}

/// Document-level facts for the PDF's metadata and footer.
#[derive(Debug, Clone)]
pub struct DocInfo {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub footer: String,
    pub keywords: Vec<String>,
    /// Unix seconds of the generation time: metadata dates and the document id use it.
    pub generated_unix: i64,
}

/// One page's drawing operations, and the PDF state they leave behind, so that runs of text
/// share one text object and repeat neither font nor colour: a long report is a few thousand
/// lines, and each line as its own `BT … Tf … rg … Td … Tj … ET` took three times the memory
/// and time of what is written now.
#[derive(Default)]
struct Page {
    ops: Vec<Op>,
    in_text: bool,
    font: Option<(Weight, f32)>,
    fill: Option<Rgb8>,
}

impl Page {
    fn end_text(&mut self) {
        if self.in_text {
            self.ops.push(Op::EndTextSection);
            self.in_text = false;
        }
    }

    fn set_fill(&mut self, color: Rgb8) {
        if self.fill != Some(color) {
            self.ops.push(Op::SetFillColor { col: color.color() });
            self.fill = Some(color);
        }
    }

    fn into_ops(mut self) -> Vec<Op> {
        self.end_text();
        self.ops
    }
}

pub struct Layout {
    pages: Vec<Page>,
    y: f32,
    bookmarks: Vec<(String, usize)>,
    /// A heading waits here until what follows it is laid out, so that both land on the
    /// same page: (level, text, minimum space to keep below it).
    pending: Option<(u8, String, f32)>,
}

impl Default for Layout {
    fn default() -> Self {
        Self::new()
    }
}

impl Layout {
    pub fn new() -> Self {
        Self {
            pages: vec![Page::default()],
            y: MARGIN,
            bookmarks: Vec::new(),
            pending: None,
        }
    }

    pub fn y(&self) -> f32 {
        self.y
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = MARGIN;
    }

    /// Start a new page unless `height` still fits on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > CONTENT_BOTTOM && self.y > MARGIN {
            self.new_page();
        }
    }

    pub fn space(&mut self, h: f32) {
        self.y += h;
    }

    fn page(&mut self) -> &mut Page {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Draw one line of text with its top at `top` (from the page's top edge).
    pub fn text_at(
        &mut self,
        x: f32,
        top: f32,
        text: &str,
        weight: Weight,
        size: f32,
        color: Rgb8,
    ) {
        if text.is_empty() {
            return;
        }
        let baseline = PAGE_H - top - ascent(weight, size);
        let page = self.page();
        if !page.in_text {
            page.ops.push(Op::StartTextSection);
            page.in_text = true;
        }
        // Font and colour are graphics state: they hold across text objects on the page.
        if page.font != Some((weight, size)) {
            page.ops.push(Op::SetFont {
                font: PdfFontHandle::External(font_id(weight)),
                size: Pt(size),
            });
            page.font = Some((weight, size));
        }
        page.set_fill(color);
        page.ops.extend([
            // An absolute position (Tm), where a text cursor (Td) would be relative to the
            // previous line of the same text object.
            Op::SetTextMatrix {
                matrix: TextMatrix::Translate(Pt(x), Pt(baseline)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_string())],
            },
        ]);
    }

    /// A filled rectangle; `top` from the page's top edge.
    pub fn rect(&mut self, x: f32, top: f32, w: f32, h: f32, color: Rgb8) {
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let page = self.page();
        page.end_text();
        page.set_fill(color);
        page.ops.extend([Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(x),
                y: Pt(PAGE_H - top - h),
                width: Pt(w),
                height: Pt(h),
                mode: Some(printpdf::PaintMode::Fill),
                winding_order: None,
            },
        }]);
    }

    pub fn line(&mut self, (x1, top1): (f32, f32), (x2, top2): (f32, f32), stroke: Stroke) {
        let Stroke {
            width,
            color,
            dashed,
        } = stroke;
        let dash = if dashed {
            printpdf::LineDashPattern::new(0.0, &[4.0, 3.0])
        } else {
            printpdf::LineDashPattern::solid()
        };
        let pt = |x: f32, top: f32| LinePoint {
            p: Point {
                x: Pt(x),
                y: Pt(PAGE_H - top),
            },
            bezier: false,
        };
        let page = self.page();
        page.end_text();
        // Saved and restored around the line: the fill colour and font tracked above stand.
        page.ops.extend([
            Op::SaveGraphicsState,
            Op::SetOutlineColor { col: color.color() },
            Op::SetOutlineThickness { pt: Pt(width) },
            Op::SetLineDashPattern { dash },
            Op::DrawLine {
                line: Line {
                    points: vec![pt(x1, top1), pt(x2, top2)],
                    is_closed: false,
                },
            },
            Op::RestoreGraphicsState,
        ]);
    }

    /// A section heading. Level 1 starts a bookmark. It is drawn together with the first thing
    /// laid out after it (a line, a block, a table's header and first row), on the next page
    /// unless that and at least `keep` points fit below it: no heading is left alone at the foot
    /// of a page.
    pub fn heading(&mut self, level: u8, text: &str, keep: f32) {
        self.flush_heading(0.0);
        self.pending = Some((level, text.to_string(), keep));
    }

    fn flush_heading(&mut self, following: f32) {
        if let Some((level, text, keep)) = self.pending.take() {
            self.draw_heading(level, &text, following.max(keep));
        }
    }

    fn draw_heading(&mut self, level: u8, text: &str, keep: f32) {
        let (size, before, after) = match level {
            1 => (15.0, 14.0, 8.0),
            2 => (12.0, 10.0, 6.0),
            _ => (10.0, 8.0, 4.0),
        };
        let lines = wrap(text, Weight::Bold, size, CONTENT_W);
        let h = lines.len() as f32 * size * 1.3;
        if self.y > MARGIN {
            self.y += before;
        }
        self.ensure(h + after + keep);
        if level == 1 {
            self.bookmarks.push((text.to_string(), self.pages.len()));
        }
        let color = if level == 1 { ACCENT } else { BLACK };
        for l in lines {
            let y = self.y;
            self.text_at(MARGIN, y, &l, Weight::Bold, size, color);
            self.y += size * 1.3;
        }
        if level == 1 {
            let y = self.y + 1.0;
            self.line(
                (MARGIN, y),
                (PAGE_W - MARGIN, y),
                Stroke::solid(0.8, ACCENT),
            );
        }
        self.y += after;
    }

    /// A wrapped paragraph.
    pub fn paragraph(&mut self, text: &str, size: f32, weight: Weight, color: Rgb8) {
        let lh = size * 1.4;
        self.flush_heading(lh);
        for l in wrap(text, weight, size, CONTENT_W) {
            self.ensure(lh);
            let y = self.y;
            self.text_at(MARGIN, y, &l, weight, size, color);
            self.y += lh;
        }
        self.y += size * 0.5;
    }

    /// Reserve `h` points (on a new page if needed) and return the top of the block.
    pub fn block(&mut self, h: f32) -> f32 {
        self.flush_heading(h);
        self.ensure(h);
        let top = self.y;
        self.y += h;
        top
    }

    /// A table; the header row is repeated on every page the table runs onto.
    pub fn table(&mut self, cols: &[Column], rows: &[Row]) {
        const SIZE: f32 = 7.8;
        const LH: f32 = SIZE * 1.3;
        const PAD: f32 = 3.0;
        let widths: Vec<f32> = cols.iter().map(|c| c.width * CONTENT_W).collect();
        let header_lines: Vec<Vec<String>> = cols
            .iter()
            .zip(&widths)
            .map(|(c, w)| wrap(&c.title, Weight::Bold, SIZE, w - 2.0 * PAD))
            .collect();
        let header_h = header_lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * LH + 2.0 * PAD;
        let draw_header = |l: &mut Layout| {
            let top = l.y;
            l.rect(MARGIN, top, CONTENT_W, header_h, HEADER_BG);
            let mut x = MARGIN;
            for ((lines, w), col) in header_lines.iter().zip(&widths).zip(cols) {
                for (i, line) in lines.iter().enumerate() {
                    let tx = match col.align {
                        Align::Left => x + PAD,
                        Align::Right => x + w - PAD - text_width(line, Weight::Bold, SIZE),
                    };
                    l.text_at(
                        tx,
                        top + PAD + i as f32 * LH,
                        line,
                        Weight::Bold,
                        SIZE,
                        BLACK,
                    );
                }
                x += w;
            }
            l.y += header_h;
        };
        // Header plus the first row must fit, or the table starts on the next page.
        let first_h = rows
            .first()
            .map_or(0.0, |r| row_height(r, cols, &widths, SIZE, LH, PAD));
        self.flush_heading(header_h + first_h);
        self.ensure(header_h + first_h);
        draw_header(self);
        let mut zebra = false;
        for (i, row) in rows.iter().enumerate() {
            let h = row_height(row, cols, &widths, SIZE, LH, PAD);
            // A group heading stays with its first row, like a section heading.
            let keep = match (row, rows.get(i + 1)) {
                (Row::Group(_), Some(next)) => row_height(next, cols, &widths, SIZE, LH, PAD),
                _ => 0.0,
            };
            if self.y + h + keep > CONTENT_BOTTOM {
                self.new_page();
                draw_header(self);
            }
            let top = self.y;
            match row {
                Row::Group(title) => {
                    self.rect(MARGIN, top, CONTENT_W, h, LIGHT);
                    for (i, l) in wrap(title, Weight::Bold, SIZE, CONTENT_W - 2.0 * PAD)
                        .iter()
                        .enumerate()
                    {
                        self.text_at(
                            MARGIN + PAD,
                            top + PAD + i as f32 * LH,
                            l,
                            Weight::Bold,
                            SIZE,
                            BLACK,
                        );
                    }
                    zebra = false;
                }
                Row::Cells(cells) => {
                    if zebra {
                        self.rect(MARGIN, top, CONTENT_W, h, ZEBRA);
                    }
                    zebra = !zebra;
                    let mut x = MARGIN;
                    for ((cell, w), col) in cells.iter().zip(&widths).zip(cols) {
                        let mut inner_x = x + PAD;
                        let mut inner_w = w - 2.0 * PAD;
                        if let Some(m) = cell.marker {
                            self.rect(inner_x, top + PAD + 1.5, 5.0, 5.0, m);
                            inner_x += 8.0;
                            inner_w -= 8.0;
                        }
                        for (i, l) in wrap(&cell.text, cell.weight, SIZE, inner_w)
                            .iter()
                            .enumerate()
                        {
                            let tx = match col.align {
                                Align::Left => inner_x,
                                Align::Right => x + w - PAD - text_width(l, cell.weight, SIZE),
                            };
                            self.text_at(
                                tx,
                                top + PAD + i as f32 * LH,
                                l,
                                cell.weight,
                                SIZE,
                                BLACK,
                            );
                        }
                        x += w;
                    }
                }
            }
            self.y += h;
        }
        let y = self.y;
        self.line((MARGIN, y), (PAGE_W - MARGIN, y), Stroke::solid(0.5, LIGHT));
        self.y += 8.0;
    }

    /// Lay out the footers and write the PDF.
    pub fn finish(mut self, info: &DocInfo) -> Result<Vec<u8>, String> {
        self.flush_heading(0.0);
        let n = self.pages.len();
        for i in 0..n {
            let page_label = format!("Side {} af {}", i + 1, n);
            let top = PAGE_H - MARGIN - 9.0;
            let footer = fit(&info.footer, Weight::Regular, 7.5, CONTENT_W * 0.75);
            let line_y = top - 5.0;
            let page = std::mem::take(&mut self.pages[i]);
            self.pages.push(page);
            self.line(
                (MARGIN, line_y),
                (PAGE_W - MARGIN, line_y),
                Stroke::solid(0.4, LIGHT),
            );
            self.text_at(MARGIN, top, &footer, Weight::Regular, 7.5, GREY);
            let w = text_width(&page_label, Weight::Regular, 7.5);
            self.text_at(
                PAGE_W - MARGIN - w,
                top,
                &page_label,
                Weight::Regular,
                7.5,
                GREY,
            );
            let page = self.pages.pop().unwrap_or_default();
            self.pages[i] = page;
        }
        let pages = self.pages.into_iter().map(Page::into_ops).collect();
        render(pages, &self.bookmarks, info)
    }
}

fn row_height(row: &Row, cols: &[Column], widths: &[f32], size: f32, lh: f32, pad: f32) -> f32 {
    let lines = match row {
        Row::Group(t) => wrap(t, Weight::Bold, size, CONTENT_W - 2.0 * pad).len(),
        Row::Cells(cells) => cells
            .iter()
            .zip(widths)
            .zip(cols)
            .map(|((c, w), _)| {
                let inner = w - 2.0 * pad - if c.marker.is_some() { 8.0 } else { 0.0 };
                wrap(&c.text, c.weight, size, inner).len()
            })
            .max()
            .unwrap_or(1),
    };
    lines.max(1) as f32 * lh + 2.0 * pad
}

/// Shorten `text` with "…" until it fits `max_w`.
pub fn fit(text: &str, weight: Weight, size: f32, max_w: f32) -> String {
    if text_width(text, weight, size) <= max_w {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let s: String = chars.iter().collect::<String>() + "…";
        if text_width(&s, weight, size) <= max_w {
            return s;
        }
    }
    String::new()
}

fn font_id(weight: Weight) -> FontId {
    FontId(match weight {
        Weight::Regular => "F1".into(),
        Weight::Bold => "F2".into(),
    })
}

fn render(
    pages: Vec<Vec<Op>>,
    bookmarks: &[(String, usize)],
    info: &DocInfo,
) -> Result<Vec<u8>, String> {
    let mut doc = PdfDocument::new(&info.title);
    for w in [Weight::Regular, Weight::Bold] {
        // Fixed resource names instead of random ones keep the output reproducible.
        let random = doc.add_font(&font(w).parsed);
        if let Some(f) = doc.resources.fonts.map.remove(&random) {
            doc.resources.fonts.map.insert(font_id(w), f);
        }
    }
    let when = printpdf::DateTime::from_unix_timestamp(info.generated_unix)
        .or_else(|_| printpdf::DateTime::from_unix_timestamp(0))
        .unwrap_or_else(|_| printpdf::DateTime::now());
    let meta = &mut doc.metadata.info;
    meta.author = info.author.clone();
    meta.subject = info.subject.clone();
    meta.creator = "klimaspor".into();
    meta.producer = "klimaspor".into();
    meta.keywords = info.keywords.clone();
    meta.creation_date = when;
    meta.modification_date = when;
    meta.metadata_date = when;
    for (i, (name, page)) in bookmarks.iter().enumerate() {
        doc.bookmarks.map.insert(
            PageAnnotId(format!("B{i:04}")),
            PageAnnotation {
                name: name.clone(),
                page: *page,
            },
        );
    }
    let pages = pages
        .into_iter()
        .map(|ops| PdfPage::new(Mm(210.0), Mm(297.0), ops))
        .collect();
    doc.with_pages(pages);
    let opts = PdfSaveOptions::default();
    let mut pdf = doc.to_lopdf_document(&opts, &mut Vec::new());
    if opts.optimize {
        compress_streams(&mut pdf);
    }
    finish(pdf, info)
}

/// zlib level for the PDF's streams: lopdf's own `compress` uses 9, which costs markedly more
/// time for files of the same size within a kilobyte (BENCHMARKS.md).
const DEFLATE_LEVEL: u32 = 6;

/// Deflate every stream that is not compressed yet and gets smaller by it (what lopdf's
/// `Document::compress` does, at [`DEFLATE_LEVEL`]).
fn compress_streams(doc: &mut lopdf::Document) {
    use flate2::{Compression, write::ZlibEncoder};
    use std::io::Write;
    for object in doc.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::new(DEFLATE_LEVEL));
        if encoder.write_all(&stream.content).is_err() {
            continue;
        }
        if let Ok(compressed) = encoder.finish()
            && compressed.len() + 19 < stream.content.len()
        {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(compressed);
        }
    }
}

/// Placeholder for the file id while the bytes it is derived from are written.
const ID_PLACEHOLDER: [u8; 16] = [0xA5; 16];

/// printpdf writes neither a document language nor a reproducible file id: set
/// `/Lang (da-DK)` in the catalog, write the file once with a placeholder id, and put in its
/// place (same length, so offsets stay valid) an id derived from everything else.
fn finish(mut doc: lopdf::Document, info: &DocInfo) -> Result<Vec<u8>, String> {
    if let Ok(catalog) = doc.catalog_mut() {
        catalog.set("Lang", lopdf::Object::string_literal("da-DK"));
    }
    let placeholder =
        lopdf::Object::String(ID_PLACEHOLDER.to_vec(), lopdf::StringFormat::Hexadecimal);
    doc.trailer.set(
        "ID",
        lopdf::Object::Array(vec![placeholder.clone(), placeholder]),
    );
    let mut out = Vec::new();
    // A failed save leaves a partial file: it is an error, never bytes to archive or mail.
    doc.save_to(&mut out)
        .map_err(|e| format!("writing the PDF failed: {e}"))?;
    let hex_placeholder = hex::encode_upper(ID_PLACEHOLDER);
    let mut hasher = Sha256::new();
    hasher.update(&out);
    hasher.update(info.generated_unix.to_be_bytes());
    let id = hex::encode_upper(&hasher.finalize()[..16]);
    // The id appears in the trailer only, after every object.
    let trailer = out.windows(7).rposition(|w| w == b"trailer").unwrap_or(0);
    let mut at = trailer;
    while let Some(pos) = find(&out[at..], hex_placeholder.as_bytes()) {
        let i = at + pos;
        out[i..i + id.len()].copy_from_slice(id.as_bytes());
        at = i + id.len();
    }
    Ok(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_widths_are_the_fonts_advances() {
        for weight in [Weight::Regular, Weight::Bold] {
            let f = font(weight);
            let upem = f32::from(f.face.units_per_em());
            // Table characters, one above it (₂), and one the font may lack.
            for c in "Aa æøåÆØÅ é.,%0123456789–CO₂\u{1F600}".chars() {
                let expected = advance_in_face(&f.face, c) / upem * 10.0;
                let got = text_width(c.encode_utf8(&mut [0; 4]), weight, 10.0);
                assert!((got - expected).abs() < 1e-4, "{c:?}: {got} != {expected}");
            }
            // Different letters have different widths: the table is not one value.
            assert!(text_width("m", weight, 10.0) > text_width("i", weight, 10.0) * 2.0);
        }
    }

    #[test]
    fn wrapping_respects_the_width() {
        let text = "Senest i 2025 er energiforbruget i de kommunale bygninger reduceret med 15 % målt i forhold til 2015.";
        let lines = wrap(text, Weight::Regular, 9.0, 150.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(text_width(l, Weight::Regular, 9.0) <= 150.0, "{l}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn long_words_are_cut() {
        let lines = wrap(&"x".repeat(200), Weight::Bold, 9.0, 50.0);
        assert!(lines.len() > 3);
        assert!(
            lines
                .iter()
                .all(|l| text_width(l, Weight::Bold, 9.0) <= 50.0)
        );
    }

    #[test]
    fn bold_is_wider_and_widths_scale() {
        let r = text_width("Klimahandleplan", Weight::Regular, 10.0);
        assert!(text_width("Klimahandleplan", Weight::Bold, 10.0) > r);
        assert!((text_width("Klimahandleplan", Weight::Regular, 20.0) - 2.0 * r).abs() < 0.01);
    }

    #[test]
    fn fit_shortens_with_an_ellipsis() {
        let s = fit(
            "Et meget langt tema-navn der ikke kan være der",
            Weight::Regular,
            8.0,
            60.0,
        );
        assert!(s.ends_with('…'));
        assert!(text_width(&s, Weight::Regular, 8.0) <= 60.0);
    }
}
