//! Exports shaped like the official appendices: a title row naming the plan and period,
//! Vietnamese headers, one row per item (grouped by pillar where the document groups them) and
//! a totals row; written as XLSX (money in triệu đồng with `.` as thousands separator, through
//! the number format, so cells stay numbers) or CSV (UTF-8 with BOM, numbers printed as the
//! documents print them: `5.618`, `74,51%`).
//!
//! Each export is one entry of [`REGISTRY`]: a name and a builder from the query to a
//! [`Sheet`]. Adding an export (e.g. `dti-ranking`) is adding one entry.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

use crate::aggregates::{self, Compliance, Evaluation, PlanFinance};
use crate::error::ServiceError;
use crate::store::Store;
use dtihub_domain::evaluation::Assessment;
use dtihub_domain::period::Period;
use dtihub_domain::FieldError;

/// What an export's query may carry.
#[derive(Debug, Clone, Default)]
pub struct ExportQuery {
    /// A plan id.
    pub plan: Option<i64>,
    /// A year.
    pub year: Option<i32>,
    /// A period.
    pub period: Option<Period>,
    /// A unit kind (compliance).
    pub unit_kind: Option<String>,
}

/// How a column's values print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text.
    Text,
    /// A whole number (Stt, counts).
    Integer,
    /// Money in VND, shown in triệu đồng.
    Money,
}

/// A column: header and kind.
#[derive(Debug, Clone)]
pub struct Column {
    /// Vietnamese header.
    pub header: &'static str,
    /// How values print.
    pub kind: ColumnKind,
    /// Width in characters (XLSX).
    pub width: f64,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// Money, VND.
    Money(i64),
}

impl Cell {
    fn text(t: impl Into<String>) -> Self {
        Cell::Text(t.into())
    }

    fn opt_text(t: Option<String>) -> Self {
        t.map_or(Cell::Empty, Cell::Text)
    }

    fn money(v: Option<i64>) -> Self {
        v.map_or(Cell::Empty, Cell::Money)
    }
}

/// What a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// An item.
    Item,
    /// A group heading (a pillar), spanning the row.
    Group,
    /// A totals row.
    Total,
}

/// A row.
#[derive(Debug, Clone)]
pub struct Row {
    /// What it is.
    pub kind: RowKind,
    /// One cell per column.
    pub cells: Vec<Cell>,
}

/// A sheet ready to render.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// File name without extension (Vietnamese allowed).
    pub file_stem: String,
    /// Sheet name (at most 31 characters).
    pub sheet_name: String,
    /// Title row (names the plan and period).
    pub title: String,
    /// A second title line (unit of money, source).
    pub subtitle: Option<String>,
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows, the totals row(s) last.
    pub rows: Vec<Row>,
}

/// Builds a sheet from the query.
pub type Builder = fn(&Store, &ExportQuery) -> Result<Sheet, ServiceError>;

/// Every export, by name.
pub const REGISTRY: &[(&str, Builder)] = &[
    ("indicator-results", indicator_results),
    ("projects", projects),
    ("recurrent-budget", recurrent_budget),
    ("compliance", compliance),
    ("dti-ranking", dti_ranking),
];

/// The names in [`REGISTRY`].
pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|(n, _)| *n).collect()
}

/// Builds the named export; `None` for an unknown name.
pub fn build(
    store: &Store,
    name: &str,
    query: &ExportQuery,
) -> Option<Result<Sheet, ServiceError>> {
    REGISTRY
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| b(store, query))
}

fn required(parameter: &str) -> ServiceError {
    ServiceError::Validation(vec![FieldError::new(
        format!("query:{parameter}"),
        "required",
    )])
}

/// Integer with `.` thousands separators (`15.687.824`).
pub fn vn_integer(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// VND as the documents print triệu đồng: `5.618`, or `1.957,5` for a fraction.
pub fn vn_million(vnd: i64) -> String {
    let whole = vnd / 1_000_000;
    let rest = (vnd % 1_000_000).abs();
    if rest == 0 {
        return vn_integer(whole);
    }
    let frac = format!("{rest:06}");
    let frac = frac.trim_end_matches('0');
    let sign = if vnd < 0 && whole == 0 { "-" } else { "" };
    format!("{sign}{},{frac}", vn_integer(whole))
}

/// A percentage as the documents print it: `74,51%`.
pub fn vn_percent(v: f64) -> String {
    let s = format!("{:.2}", aggregates::round2(v));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{}%", s.replace('.', ","))
}

fn vn_number(v: f64) -> String {
    let s = format!("{:.2}", aggregates::round2(v));
    s.trim_end_matches('0')
        .trim_end_matches('.')
        .replace('.', ",")
}

// ---------------------------------------------------------------------------------------------
// Builders

fn evaluation_for(store: &Store, q: &ExportQuery) -> Result<Evaluation, ServiceError> {
    let plan = q.plan.ok_or_else(|| required("plan"))?;
    let year = match q.year {
        Some(y) => y,
        None => store.read(|conn| Ok(aggregates::plan_finance_in(conn, plan)?.first_year))?,
    };
    aggregates::evaluation(store, plan, year)
}

fn plan_label(code: &str, number: Option<&str>) -> String {
    match number {
        Some(n) => format!("Kế hoạch số {n} ({code})"),
        None => format!("Kế hoạch {code}"),
    }
}

fn pillar_name(p: &str) -> &str {
    match p {
        "nhan_thuc_so" => "Nhận thức số",
        "the_che_so" => "Thể chế số",
        "ha_tang_so" => "Hạ tầng số",
        "du_lieu_so" => "Dữ liệu số",
        "nen_tang_so" => "Nền tảng số",
        "nhan_luc_so" => "Nhân lực số",
        "an_toan_thong_tin" => "An toàn thông tin mạng",
        "chinh_quyen_so" => "Chính quyền số",
        "kinh_te_so" => "Kinh tế số",
        "xa_hoi_so" => "Xã hội số",
        other => other,
    }
}

fn roman(n: usize) -> String {
    const R: [(usize, &str); 7] = [
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
        (0, ""),
        (0, ""),
    ];
    let mut n = n;
    let mut out = String::new();
    for (v, s) in R {
        while v > 0 && n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

fn i64_of(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Indicator results grouped by pillar, as 52/KH-UBND Phụ lục I.
pub fn indicator_results(store: &Store, q: &ExportQuery) -> Result<Sheet, ServiceError> {
    let e = evaluation_for(store, q)?;
    let columns = vec![
        Column {
            header: "Stt",
            kind: ColumnKind::Text,
            width: 6.0,
        },
        Column {
            header: "Tên chỉ tiêu",
            kind: ColumnKind::Text,
            width: 70.0,
        },
        Column {
            header: "Kết quả thực hiện",
            kind: ColumnKind::Text,
            width: 22.0,
        },
        Column {
            header: "Đánh giá",
            kind: ColumnKind::Text,
            width: 14.0,
        },
        Column {
            header: "Ghi chú",
            kind: ColumnKind::Text,
            width: 40.0,
        },
    ];
    let mut rows = Vec::new();
    let mut pillars: Vec<&str> = Vec::new();
    for i in &e.items {
        if !pillars.contains(&i.pillar.as_str()) {
            pillars.push(&i.pillar);
        }
    }
    let mut stt = 0usize;
    for (g, pillar) in pillars.iter().enumerate() {
        rows.push(Row {
            kind: RowKind::Group,
            cells: vec![
                Cell::text(roman(g + 1)),
                Cell::text(pillar_name(pillar).to_uppercase()),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ],
        });
        for i in e.items.iter().filter(|i| i.pillar == *pillar) {
            stt += 1;
            let result = i.actual_text.clone().or_else(|| {
                i.actual_value.map(|v| {
                    if i.measure == "percent" {
                        vn_percent(v)
                    } else {
                        vn_number(v)
                    }
                })
            });
            let assessment = i.official.map(Assessment::printed).map(str::to_owned);
            let mut note = i.actual_note.clone().unwrap_or_default();
            if i.differs {
                let hint = format!("Đề xuất theo quy tắc: {}", i.suggested.printed());
                note = if note.is_empty() {
                    hint
                } else {
                    format!("{note}; {hint}")
                };
            }
            rows.push(Row {
                kind: RowKind::Item,
                cells: vec![
                    Cell::text(i.row.clone().unwrap_or_else(|| stt.to_string())),
                    Cell::text(i.name.clone()),
                    Cell::opt_text(result),
                    Cell::opt_text(assessment),
                    Cell::text(note),
                ],
            });
        }
    }
    let o = e.summary.official;
    rows.push(Row {
        kind: RowKind::Total,
        cells: vec![
            Cell::Empty,
            Cell::text(format!("Tổng cộng: {} chỉ tiêu", o.total)),
            Cell::text(format!("Đạt {}/{}", o.achieved, o.total)),
            Cell::text(format!(
                "Vượt {}; Đạt {}; Chưa đạt {}",
                o.exceeded, o.met, o.not_met
            )),
            Cell::text(if o.unassessed > 0 {
                format!("Chưa đánh giá: {}", o.unassessed)
            } else {
                String::new()
            }),
        ],
    });
    Ok(Sheet {
        file_stem: format!("Kết quả chỉ tiêu {} năm {}", e.plan_code, e.year),
        sheet_name: format!("Chỉ tiêu {}", e.year),
        title: format!(
            "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU NĂM {} — {}",
            e.year,
            plan_label(&e.plan_code, e.plan_number.as_deref())
        ),
        subtitle: Some(e.plan_title.clone()),
        columns,
        rows,
    })
}

fn finance_for(store: &Store, q: &ExportQuery) -> Result<PlanFinance, ServiceError> {
    let plan = q.plan.ok_or_else(|| required("plan"))?;
    store.read(|conn| aggregates::plan_finance_in(conn, plan))
}

fn years_label(f: &PlanFinance) -> String {
    if f.first_year == f.last_year {
        format!("năm {}", f.first_year)
    } else {
        format!("giai đoạn {}–{}", f.first_year, f.last_year)
    }
}

fn sum(values: impl Iterator<Item = Option<i64>>) -> Option<i64> {
    values.flatten().fold(None, |acc: Option<i64>, v| {
        Some(acc.unwrap_or(0).saturating_add(v))
    })
}

/// Projects, as Phụ lục II/V.
pub fn projects(store: &Store, q: &ExportQuery) -> Result<Sheet, ServiceError> {
    let f = finance_for(store, q)?;
    let money = |h| Column {
        header: h,
        kind: ColumnKind::Money,
        width: 14.0,
    };
    let columns = vec![
        Column {
            header: "Stt",
            kind: ColumnKind::Integer,
            width: 6.0,
        },
        Column {
            header: "Tên dự án",
            kind: ColumnKind::Text,
            width: 60.0,
        },
        Column {
            header: "Chủ đầu tư",
            kind: ColumnKind::Text,
            width: 24.0,
        },
        money("Tổng mức đầu tư"),
        money("NSTW"),
        money("NSĐP"),
        money("Giải ngân"),
        money("Bố trí vốn năm"),
        Column {
            header: "Ghi chú",
            kind: ColumnKind::Text,
            width: 30.0,
        },
    ];
    let mut rows: Vec<Row> = f
        .projects
        .iter()
        .enumerate()
        .map(|(n, p)| Row {
            kind: RowKind::Item,
            cells: vec![
                Cell::Integer(i64_of(n + 1)),
                Cell::text(p.name.clone()),
                Cell::opt_text(p.investor_text.clone().or_else(|| p.investor.clone())),
                Cell::money(p.total_investment_vnd),
                Cell::money(p.central_vnd),
                Cell::money(p.local_vnd),
                Cell::money(p.disbursed_vnd),
                Cell::money(p.allocated_vnd),
                Cell::opt_text(p.note.clone()),
            ],
        })
        .collect();
    let ps = &f.projects;
    rows.push(Row {
        kind: RowKind::Total,
        cells: vec![
            Cell::Empty,
            Cell::text("TỔNG CỘNG"),
            Cell::Empty,
            Cell::money(sum(ps.iter().map(|p| p.total_investment_vnd))),
            Cell::money(sum(ps.iter().map(|p| p.central_vnd))),
            Cell::money(sum(ps.iter().map(|p| p.local_vnd))),
            Cell::money(sum(ps.iter().map(|p| p.disbursed_vnd))),
            Cell::money(sum(ps.iter().map(|p| p.allocated_vnd))),
            Cell::text(mismatch_note(&f, "projects")),
        ],
    });
    Ok(Sheet {
        file_stem: format!("Danh mục dự án {}", f.plan_code),
        sheet_name: "Dự án".into(),
        title: format!(
            "DANH MỤC DỰ ÁN CHUYỂN ĐỔI SỐ {} — {}",
            years_label(&f).to_uppercase(),
            plan_label(&f.plan_code, f.plan_number.as_deref())
        ),
        subtitle: Some(
            "Đơn vị tính: triệu đồng. Giải ngân: thực hiện trong các năm của kế hoạch.".into(),
        ),
        columns,
        rows,
    })
}

/// The declared-versus-computed mismatches of one table, as a note for its totals row.
fn mismatch_note(f: &PlanFinance, scope: &str) -> String {
    let parts: Vec<String> = f
        .totals
        .mismatches
        .iter()
        .filter(|m| {
            serde_json::to_value(m.scope)
                .ok()
                .is_some_and(|v| v == scope)
        })
        .map(|m| {
            format!(
                "{}: văn bản ghi {}, cộng các dòng {}",
                m.field,
                vn_million(m.declared_vnd),
                vn_million(m.computed_vnd)
            )
        })
        .collect();
    parts.join("; ")
}

/// Recurrent budget, as Phụ lục III/VI.
pub fn recurrent_budget(store: &Store, q: &ExportQuery) -> Result<Sheet, ServiceError> {
    let f = finance_for(store, q)?;
    let columns = vec![
        Column {
            header: "Stt",
            kind: ColumnKind::Integer,
            width: 6.0,
        },
        Column {
            header: "Danh mục",
            kind: ColumnKind::Text,
            width: 70.0,
        },
        Column {
            header: "Đơn vị thực hiện",
            kind: ColumnKind::Text,
            width: 28.0,
        },
        Column {
            header: "Tổng cộng",
            kind: ColumnKind::Money,
            width: 14.0,
        },
        Column {
            header: "Ghi chú",
            kind: ColumnKind::Text,
            width: 30.0,
        },
    ];
    let mut rows: Vec<Row> = f
        .budget_lines
        .iter()
        .enumerate()
        .map(|(n, b)| Row {
            kind: RowKind::Item,
            cells: vec![
                Cell::Integer(i64_of(n + 1)),
                Cell::text(b.name.clone()),
                Cell::opt_text(b.implementing_text.clone().or_else(|| b.unit.clone())),
                Cell::money(b.amount_vnd),
                Cell::opt_text(b.budget_category.clone().or_else(|| b.note.clone())),
            ],
        })
        .collect();
    rows.push(Row {
        kind: RowKind::Total,
        cells: vec![
            Cell::Empty,
            Cell::text("TỔNG CỘNG"),
            Cell::Empty,
            Cell::money(sum(f.budget_lines.iter().map(|b| b.amount_vnd))),
            Cell::text(mismatch_note(&f, "budget_lines")),
        ],
    });
    Ok(Sheet {
        file_stem: format!("Kinh phí chi thường xuyên {}", f.plan_code),
        sheet_name: "Chi thường xuyên".into(),
        title: format!(
            "DANH MỤC NHIỆM VỤ CHI THƯỜNG XUYÊN {} — {}",
            years_label(&f).to_uppercase(),
            plan_label(&f.plan_code, f.plan_number.as_deref())
        ),
        subtitle: Some("Đơn vị tính: triệu đồng".into()),
        columns,
        rows,
    })
}

fn timeliness_vi(t: &str) -> &'static str {
    match t {
        "on_time" => "Đúng hạn",
        "late" => "Trễ hạn",
        "missing" => "Chưa gửi (quá hạn)",
        _ => "Chưa gửi (còn hạn)",
    }
}

fn status_vi(s: &str) -> &'static str {
    match s {
        "draft" => "Đang soạn",
        "submitted" => "Đã gửi",
        "returned" => "Bị trả lại",
        "accepted" => "Đã tiếp nhận",
        _ => "Chưa lập",
    }
}

/// Compliance of a period.
pub fn compliance(store: &Store, q: &ExportQuery) -> Result<Sheet, ServiceError> {
    let period = q.period.ok_or_else(|| required("period"))?;
    let c: Compliance = aggregates::compliance(
        store,
        period,
        q.unit_kind.as_deref(),
        &aggregates::UnitsPage::default(),
    )?;
    let columns = vec![
        Column {
            header: "Stt",
            kind: ColumnKind::Integer,
            width: 6.0,
        },
        Column {
            header: "Đơn vị",
            kind: ColumnKind::Text,
            width: 40.0,
        },
        Column {
            header: "Mã đơn vị",
            kind: ColumnKind::Text,
            width: 18.0,
        },
        Column {
            header: "Trạng thái",
            kind: ColumnKind::Text,
            width: 16.0,
        },
        Column {
            header: "Ngày gửi",
            kind: ColumnKind::Text,
            width: 12.0,
        },
        Column {
            header: "Thời hạn",
            kind: ColumnKind::Text,
            width: 20.0,
        },
        Column {
            header: "Số lần trả lại",
            kind: ColumnKind::Integer,
            width: 12.0,
        },
    ];
    let mut rows: Vec<Row> = c
        .units
        .iter()
        .enumerate()
        .map(|(n, u)| Row {
            kind: RowKind::Item,
            cells: vec![
                Cell::Integer(i64_of(n + 1)),
                Cell::text(u.name.clone()),
                Cell::text(u.unit.clone()),
                Cell::text(status_vi(&u.status)),
                Cell::opt_text(u.submitted_at.map(|t| {
                    dtihub_domain::schedule::vietnam_date(t)
                        .format("%d/%m/%Y")
                        .to_string()
                })),
                Cell::text(timeliness_vi(&u.timeliness)),
                Cell::Integer(i64::from(u.returned_count)),
            ],
        })
        .collect();
    let t = &c.totals;
    let rate = |r: Option<f64>| r.map_or_else(|| "—".to_owned(), vn_percent);
    rows.push(Row {
        kind: RowKind::Total,
        cells: vec![
            Cell::Empty,
            Cell::text(format!(
                "Tổng cộng: {}/{} đơn vị đã gửi (tỷ lệ {})",
                t.reported,
                t.expected,
                rate(t.reporting_rate)
            )),
            Cell::Empty,
            Cell::text(format!("Đã tiếp nhận {}", t.accepted)),
            Cell::Empty,
            Cell::text(format!(
                "Đúng hạn {} ({}); trễ {}; chưa gửi {}",
                t.on_time,
                rate(t.on_time_rate),
                t.late,
                t.missing + t.pending
            )),
            Cell::Integer(t.returns),
        ],
    });
    Ok(Sheet {
        file_stem: format!("Tình hình gửi báo cáo kỳ {}", c.period),
        sheet_name: format!("Kỳ {}", c.period),
        title: format!(
            "TÌNH HÌNH GỬI BÁO CÁO CHUYỂN ĐỔI SỐ KỲ {} (hạn gửi {})",
            c.period,
            c.deadline.format("%d/%m/%Y")
        ),
        subtitle: Some(format!(
            "Số liệu tính đến ngày {}",
            c.as_of.format("%d/%m/%Y")
        )),
        columns,
        rows,
    })
}

/// The DTI ranking of a year (`period=YYYY`) and kind of unit (`unit_kind`, default
/// `commune`): verified points where the coordinator verified, self-assessed otherwise, the
/// points of each pillar, the index and the rank (ties share one).
pub fn dti_ranking(store: &Store, q: &ExportQuery) -> Result<Sheet, ServiceError> {
    let period = q.period.ok_or_else(|| required("period"))?;
    if period.kind() != dtihub_domain::period::PeriodKind::Year {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "query:period",
            "invalid_year",
        )]));
    }
    let year = period.year();
    let kind = q.unit_kind.clone().unwrap_or_else(|| "commune".to_owned());
    let ranking = crate::dti::ranking_rows(store, year, &kind)?;
    let column = |header: &'static str, kind: ColumnKind, width: f64| Column {
        header,
        kind,
        width,
    };
    let columns = vec![
        column("Stt", ColumnKind::Integer, 6.0),
        column("Đơn vị", ColumnKind::Text, 40.0),
        column("Mã đơn vị", ColumnKind::Text, 18.0),
        column("Điểm theo trụ cột", ColumnKind::Text, 60.0),
        column("Tổng điểm", ColumnKind::Text, 12.0),
        column("Chỉ số (0–1)", ColumnKind::Text, 12.0),
        column("Xếp hạng", ColumnKind::Integer, 10.0),
        column("Ghi chú", ColumnKind::Text, 24.0),
    ];
    let status_note = |status: &str| match status {
        "verified" => "Đã thẩm định",
        "self_assessed" => "Tự đánh giá, chưa thẩm định",
        _ => "Chưa tự đánh giá",
    };
    let mut rows: Vec<Row> = ranking
        .iter()
        .map(|r| Row {
            kind: RowKind::Item,
            cells: vec![
                Cell::Integer(i64::from(r.stt)),
                Cell::text(r.unit_name.clone()),
                Cell::text(r.unit.clone()),
                Cell::text(
                    r.pillars
                        .iter()
                        .map(|p| {
                            format!(
                                "{}: {}/{}",
                                p.name,
                                vn_number(p.points),
                                vn_number(p.max_points)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                Cell::opt_text(r.points.map(vn_number)),
                Cell::opt_text(r.index.map(|i| format!("{i:.4}").replace('.', ","))),
                r.rank.map_or(Cell::Empty, |k| Cell::Integer(i64::from(k))),
                Cell::text(status_note(&r.status)),
            ],
        })
        .collect();
    let verified = ranking.iter().filter(|r| r.verified).count();
    rows.push(Row {
        kind: RowKind::Total,
        cells: vec![
            Cell::Empty,
            Cell::text(format!(
                "Tổng cộng: {} đơn vị, {} đã thẩm định",
                ranking.len(),
                verified
            )),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
        ],
    });
    let kind_vi = if kind == "department" {
        "sở, ban, ngành"
    } else {
        "xã, phường"
    };
    Ok(Sheet {
        file_stem: format!("Xếp hạng DTI {kind_vi} năm {year}"),
        sheet_name: format!("DTI {year}"),
        title: format!(
            "KẾT QUẢ ĐÁNH GIÁ, XẾP HẠNG CHỈ SỐ CHUYỂN ĐỔI SỐ (DTI) CÁC {} NĂM {year}",
            kind_vi.to_uppercase()
        ),
        subtitle: Some("Điểm đã thẩm định; đơn vị chưa thẩm định ghi điểm tự đánh giá".to_owned()),
        columns,
        rows,
    })
}

// ---------------------------------------------------------------------------------------------
// Rendering

fn excel(e: rust_xlsxwriter::XlsxError) -> ServiceError {
    ServiceError::Internal(format!("xlsx: {e}"))
}

/// The XLSX money format: triệu đồng, `.` as thousands separator whatever the reader's
/// locale (literal dots in conditional sections, so the cell stays a number).
pub const MONEY_FORMAT: &str = "[>=1000000]#\\.###\\.###;[>=1000]#\\.###;0";

/// Renders a sheet as XLSX.
pub fn to_xlsx(sheet: &Sheet) -> Result<Vec<u8>, ServiceError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let name: String = sheet
        .sheet_name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    ws.set_name(name).map_err(excel)?;
    let title = Format::new().set_bold().set_font_size(13);
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin);
    let text = Format::new().set_text_wrap().set_border(FormatBorder::Thin);
    let money = Format::new()
        .set_num_format(MONEY_FORMAT)
        .set_border(FormatBorder::Thin);
    let int = Format::new()
        .set_num_format("0")
        .set_border(FormatBorder::Thin);
    let last_col = u16::try_from(sheet.columns.len().saturating_sub(1)).unwrap_or(0);
    ws.merge_range(0, 0, 0, last_col, &sheet.title, &title)
        .map_err(excel)?;
    let mut r: u32 = 1;
    if let Some(sub) = &sheet.subtitle {
        ws.merge_range(1, 0, 1, last_col, sub, &Format::new().set_italic())
            .map_err(excel)?;
        r = 2;
    }
    r += 1;
    for (c, col) in sheet.columns.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        ws.set_column_width(c, col.width).map_err(excel)?;
        ws.write_string_with_format(r, c, col.header, &header)
            .map_err(excel)?;
    }
    for row in &sheet.rows {
        r += 1;
        let emphasise = row.kind != RowKind::Item;
        for (c, cell) in row.cells.iter().enumerate() {
            let c16 = u16::try_from(c).unwrap_or(u16::MAX);
            let pick = |f: &Format| {
                if emphasise {
                    f.clone().set_bold()
                } else {
                    f.clone()
                }
            };
            match cell {
                Cell::Empty => {
                    ws.write_blank(r, c16, &pick(&text)).map_err(excel)?;
                }
                Cell::Text(t) => {
                    ws.write_string_with_format(r, c16, t, &pick(&text))
                        .map_err(excel)?;
                }
                Cell::Integer(v) => {
                    #[allow(clippy::cast_precision_loss)]
                    ws.write_number_with_format(r, c16, *v as f64, &pick(&int))
                        .map_err(excel)?;
                }
                Cell::Money(v) => {
                    #[allow(clippy::cast_precision_loss)]
                    let millions = *v as f64 / 1_000_000.0;
                    ws.write_number_with_format(r, c16, millions, &pick(&money))
                        .map_err(excel)?;
                }
            }
        }
    }
    book.save_to_buffer().map_err(excel)
}

fn csv_cell(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(t) => t.clone(),
        Cell::Integer(v) => v.to_string(),
        Cell::Money(v) => vn_million(*v),
    }
}

/// Renders a sheet as CSV: UTF-8 with a BOM (so spreadsheets read the diacritics), the title
/// row, the header row, the rows and the totals row.
pub fn to_csv(sheet: &Sheet) -> Result<Vec<u8>, ServiceError> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice("\u{feff}".as_bytes());
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        let bad = |e: csv::Error| ServiceError::Internal(format!("csv: {e}"));
        w.write_record([sheet.title.as_str()]).map_err(bad)?;
        if let Some(sub) = &sheet.subtitle {
            w.write_record([sub.as_str()]).map_err(bad)?;
        }
        w.write_record(sheet.columns.iter().map(|c| c.header))
            .map_err(bad)?;
        for row in &sheet.rows {
            w.write_record(row.cells.iter().map(csv_cell))
                .map_err(bad)?;
        }
        w.flush()
            .map_err(|e| ServiceError::Internal(format!("csv: {e}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_the_documents_do() {
        assert_eq!(vn_integer(15_687_824), "15.687.824");
        assert_eq!(vn_integer(618), "618");
        assert_eq!(vn_integer(-5618), "-5.618");
        assert_eq!(vn_million(5_618_000_000), "5.618");
        assert_eq!(vn_million(1_957_500_000), "1.957,5");
        assert_eq!(vn_percent(74.51), "74,51%");
        assert_eq!(vn_percent(1.0911), "1,09%");
        assert_eq!(vn_percent(100.0), "100%");
        assert_eq!(roman(4), "IV");
        assert_eq!(roman(10), "X");
    }
}
