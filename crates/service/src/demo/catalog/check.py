#!/usr/bin/env python3
"""Checks the plan-catalog demo data in this folder (Python 3.11, standard library only).

    python3 crates/service/src/demo/catalog/check.py

Validates every CSV (encoding, RFC 4180 shape, header, one record per line, NFC text),
row counts per source appendix against the table in README.md, unit codes against
../units.json, enumerations, money as integer VND, cross-references, due dates, and
reproduces the documents' headline figures, including the declared-versus-computed
mismatches the documents contain. Exits non-zero on the first run with any failure.
"""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
UNITS_JSON = HERE.parent / 'units.json'
README = HERE / 'README.md'
TRIEU = 1_000_000

COLUMNS = {
    'plans.csv': ['key', 'number', 'title', 'kind', 'issued_date', 'issued_date_text', 'issuer_unit', 'signer',
                  'signer_title', 'first_year', 'last_year', 'status', 'focal_unit', 'general_goals',
                  'declared_total_vnd', 'declared_investment_vnd', 'declared_recurrent_vnd', 'declared_central_vnd',
                  'declared_local_vnd', 'declared_totals_text', 'provincial_budget_vnd', 'provincial_budget_text',
                  'dx_budget_share_text', 'report_due_date', 'reporting_text', 'remark', 'source', 'source_row'],
    'legal_bases.csv': ['plan_key', 'code', 'group_text', 'doc_type', 'number', 'date', 'date_text', 'title',
                        'citation', 'remark', 'source', 'source_row'],
    'indicators.csv': ['plan_key', 'code', 'pillar', 'group_text', 'name', 'measure', 'direction', 'unit_of_measure',
                       'allows_over_100', 'lead_units', 'lead_unit_kinds', 'lead_text', 'coordinating_units',
                       'coordinating_unit_kinds', 'coordinating_text', 'evaluation_time_text', 'footnote', 'remark',
                       'source', 'source_row'],
    'indicator_targets.csv': ['indicator_code', 'year', 'target_value', 'target_text', 'source', 'source_row'],
    'indicator_results_2023.csv': ['indicator_code', 'year', 'result_value', 'result_qualifier', 'result_text',
                                   'assessment', 'assessment_text', 'note', 'footnote', 'remark', 'source',
                                   'source_row'],
    'tasks.csv': ['plan_key', 'code', 'section', 'category', 'pillar', 'content', 'lead_units', 'lead_unit_kinds',
                  'lead_text', 'coordinating_units', 'coordinating_unit_kinds', 'coordinating_text', 'timing_text',
                  'timing_kind', 'due_date', 'remark', 'source', 'source_row'],
    'projects.csv': ['plan_key', 'code', 'name', 'investor_unit', 'investor_text', 'start_year', 'end_year',
                     'period_text', 'total_investment_vnd', 'central_vnd', 'local_vnd', 'other_vnd',
                     'disbursed_before_vnd', 'allocated_plan_year_vnd', 'allocated_central_vnd',
                     'allocated_local_vnd', 'implemented_plan_year_vnd', 'stage', 'stage_text', 'decision_ref',
                     'funding_note', 'carried_over', 'same_as', 'related_units', 'footnote', 'remark', 'source',
                     'source_row'],
    'budget_lines.csv': ['plan_key', 'code', 'name', 'implementing_units', 'implementing_unit_kinds',
                         'implementing_text', 'amount_vnd', 'budget_category', 'funding_note', 'start_year',
                         'end_year', 'period_text', 'status_text', 'decision_ref', 'footnote', 'remark', 'source',
                         'source_row'],
    'declared_totals.csv': ['plan_key', 'table', 'column', 'declared_vnd', 'printed_text', 'source', 'source_row'],
}

PILLARS = {'nhan_thuc_so', 'the_che_so', 'ha_tang_so', 'du_lieu_so', 'nen_tang_so', 'nhan_luc_so',
           'an_toan_thong_tin', 'chinh_quyen_so', 'kinh_te_so', 'xa_hoi_so'}
ENUMS = {
    ('plans.csv', 'kind'): {'annual', 'sectoral', 'multi_year'},
    ('plans.csv', 'status'): {'draft', 'issued', 'superseded'},
    ('indicators.csv', 'pillar'): PILLARS,
    ('indicators.csv', 'measure'): {'percent', 'count', 'money', 'boolean', 'milestone'},
    ('indicators.csv', 'direction'): {'at_least', 'at_most', 'exactly'},
    ('indicators.csv', 'allows_over_100'): {'', 'true', 'false'},
    ('indicator_results_2023.csv', 'assessment'): {'exceeded', 'met', 'not_met'},
    ('indicator_results_2023.csv', 'result_qualifier'): {'', 'approx', 'above'},
    ('tasks.csv', 'pillar'): PILLARS | {''},
    ('tasks.csv', 'timing_kind'): {'quarter', 'quarters', 'month', 'year', 'year_range', 'yearly', 'quarterly',
                                   'continuous', 'conditional'},
    ('projects.csv', 'stage'): {'', 'preparation', 'implementation', 'settlement', 'completed'},
    ('projects.csv', 'carried_over'): {'', 'true', 'false'},
    ('budget_lines.csv', 'budget_category'): {'', 'SNKT', 'QLNN', 'SN GDĐT'},
    ('declared_totals.csv', 'table'): {'projects', 'budget_lines'},
}
ASSESSMENT_TEXT = {'Vượt': 'exceeded', 'Đạt': 'met', 'Chưa đạt': 'not_met'}
UNIT_COLUMNS = ['issuer_unit', 'focal_unit', 'lead_units', 'coordinating_units', 'investor_unit',
                'implementing_units', 'related_units']
KIND_COLUMNS = ['lead_unit_kinds', 'coordinating_unit_kinds', 'implementing_unit_kinds']
UNIT_KINDS = {'province', 'department', 'commune', 'district'}

failures: list[str] = []
checked: list[str] = []


def fail(msg: str) -> None:
    failures.append(msg)


def ok(msg: str) -> None:
    checked.append(msg)


def trieu(vnd: int) -> str:
    """Formats VND as the documents print triệu đồng: 319925000000 -> '319.925'."""
    return f'{vnd // TRIEU:,}'.replace(',', '.')


# ----------------------------------------------------------------------------- parsing
def load(name: str) -> list[dict[str, str]]:
    raw = (HERE / name).read_bytes()
    if raw.startswith(b'\xef\xbb\xbf'):
        fail(f'{name}: has a UTF-8 BOM')
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as e:
        fail(f'{name}: not UTF-8 ({e})')
        return []
    if '\r' in text:
        fail(f'{name}: contains CR characters (use LF line ends)')
    if not text.endswith('\n'):
        fail(f'{name}: does not end with a newline')
    reader = csv.reader(io.StringIO(text, newline=''), strict=True)
    try:
        rows = list(reader)
    except csv.Error as e:
        fail(f'{name}: CSV error {e}')
        return []
    lines = text.count('\n')
    if lines != len(rows):
        fail(f'{name}: {len(rows)} records on {lines} lines (a field contains a line break)')
    header, body = rows[0], rows[1:]
    if header != COLUMNS[name]:
        fail(f'{name}: header {header} != expected {COLUMNS[name]}')
    out = []
    for n, r in enumerate(body, 2):
        if len(r) != len(header):
            fail(f'{name}:{n}: {len(r)} fields, header has {len(header)}')
            continue
        out.append(dict(zip(header, r)))
    return out


def check_text(name: str, rows: list[dict[str, str]]) -> None:
    cells = 0
    for n, r in enumerate(rows, 2):
        for c, v in r.items():
            cells += 1
            if unicodedata.normalize('NFC', v) != v:
                fail(f'{name}:{n} {c}: not NFC')
            if v != v.strip():
                fail(f'{name}:{n} {c}: leading/trailing whitespace')
            if '  ' in v:
                fail(f'{name}:{n} {c}: double space')
            if any(unicodedata.category(ch) == 'Cc' for ch in v):
                fail(f'{name}:{n} {c}: control character')
    ok(f'{name}: {len(rows)} rows parse (UTF-8, RFC 4180, one record per line, header as documented); '
       f'{cells} cells NFC, trimmed, no control characters')


# ----------------------------------------------------------------------------- README counts
def expected_counts() -> dict[tuple[str, str], int]:
    text = README.read_text(encoding='utf-8')
    sec = text.split('## Expected row counts', 1)
    if len(sec) != 2:
        fail('README.md: no "## Expected row counts" section')
        return {}
    out = {}
    for line in sec[1].splitlines():
        m = re.match(r'^\|\s*`?([a-z_0-9]+\.csv)`?\s*\|\s*(.+?)\s*\|\s*(\d+)\s*\|', line)
        if m:
            out[(m.group(1), m.group(2))] = int(m.group(3))
        elif line.startswith('## '):
            break
    return out


def check_counts(data: dict[str, list[dict[str, str]]]) -> None:
    exp = expected_counts()
    for name, rows in data.items():
        if (name, '*') in exp:
            if len(rows) != exp[(name, '*')]:
                fail(f'{name}: {len(rows)} rows, README expects {exp[(name, "*")]}')
            continue
        got = Counter(r['source'] for r in rows)
        listed = {s for (f, s) in exp if f == name}
        for s, n in got.items():
            if s not in listed:
                fail(f'{name}: source "{s}" ({n} rows) is not listed in README')
            elif exp[(name, s)] != n:
                fail(f'{name}: source "{s}" has {n} rows, README expects {exp[(name, s)]}')
        for s in listed - set(got):
            fail(f'{name}: README lists source "{s}" but the file has no such rows')
    ok(f'row counts per file and source appendix match the {len(exp)} entries of README.md')


# ----------------------------------------------------------------------------- values
def is_int(v: str) -> bool:
    return re.fullmatch(r'0|[1-9]\d*', v) is not None


def check_values(data: dict[str, list[dict[str, str]]]) -> None:
    money = 0
    for name, rows in data.items():
        for n, r in enumerate(rows, 2):
            for c, v in r.items():
                if (name, c) in ENUMS and v not in ENUMS[(name, c)]:
                    fail(f'{name}:{n} {c}={v!r} not in {sorted(ENUMS[(name, c)])}')
                if c.endswith('_vnd') and v:
                    money += 1
                    if not is_int(v):
                        fail(f'{name}:{n} {c}={v!r} is not an integer VND amount')
                    elif int(v) % TRIEU:
                        fail(f'{name}:{n} {c}={v}: not a whole number of triệu đồng')
                if c in ('year', 'first_year', 'last_year', 'start_year', 'end_year') and v and not is_int(v):
                    fail(f'{name}:{n} {c}={v!r} is not a year')
                if (c.endswith('_date') or c == 'date') and v:
                    try:
                        dt.date.fromisoformat(v)
                    except ValueError:
                        fail(f'{name}:{n} {c}={v!r} is not an ISO date')
                if c in ('target_value', 'result_value') and v and not re.fullmatch(r'\d+(\.\d+)?', v):
                    fail(f'{name}:{n} {c}={v!r} is not a plain decimal number')
            if r.get('start_year') and r.get('end_year') and int(r['start_year']) > int(r['end_year']):
                fail(f'{name}:{n} start_year > end_year')
    ok(f'enumerations valid; {money} money cells are integer VND (whole triệu đồng); years, ISO dates and '
       f'decimal values well formed')


def timing(text: str) -> tuple[str, str]:
    roman = {'I': 1, 'II': 2, 'III': 3, 'IV': 4}

    def eom(y: int, m: int) -> str:
        return dt.date(y, m, calendar.monthrange(y, m)[1]).isoformat()
    if text == 'Thường xuyên':
        return 'continuous', ''
    if text in ('Hằng năm', 'Hàng năm'):
        return 'yearly', ''
    if text == 'Cuối mỗi Quý':
        return 'quarterly', ''
    if text.startswith('Khi có'):
        return 'conditional', ''
    if m := re.fullmatch(r'Quý (I|II|III|IV)(?:/| năm )(\d{4})', text):
        return 'quarter', eom(int(m[2]), 3 * roman[m[1]])
    if m := re.fullmatch(r'Quý ((?:I|II|III|IV)(?:, (?:I|II|III|IV))+) năm (\d{4})', text):
        return 'quarters', eom(int(m[2]), 3 * roman[m[1].split(', ')[-1]])
    if m := re.fullmatch(r'Tháng (\d{1,2})/(\d{4})', text):
        return 'month', eom(int(m[2]), int(m[1]))
    if m := re.fullmatch(r'(?:Cuối năm|Năm) (\d{4})', text):
        return 'year', f'{m[1]}-12-31'
    if m := re.fullmatch(r'Năm (\d{4}) - (\d{4})', text):
        return 'year_range', f'{m[2]}-12-31'
    return '?', '?'


def check_refs(data: dict[str, list[dict[str, str]]], units: dict[str, dict]) -> None:
    plans = {p['key']: p for p in data['plans.csv']}
    if len(plans) != len(data['plans.csv']):
        fail('plans.csv: duplicate key')
    for name, rows in data.items():
        if 'code' in COLUMNS[name]:
            dup = [c for c, k in Counter(r['code'] for r in rows).items() if k > 1]
            if dup:
                fail(f'{name}: duplicate codes {dup}')
        for n, r in enumerate(rows, 2):
            if 'plan_key' in r and r['plan_key'] not in plans:
                fail(f'{name}:{n} plan_key {r["plan_key"]} not in plans.csv')
            if not r['source'] or not r['source_row']:
                fail(f'{name}:{n} source/source_row empty')
    indicators = {i['code']: i for i in data['indicators.csv']}
    for n, t in enumerate(data['indicator_targets.csv'], 2):
        i = indicators.get(t['indicator_code'])
        if not i:
            fail(f'indicator_targets.csv:{n} unknown indicator {t["indicator_code"]}')
            continue
        p = plans[i['plan_key']]
        if not int(p['first_year']) <= int(t['year']) <= int(p['last_year']):
            fail(f'indicator_targets.csv:{n} year {t["year"]} outside plan {p["key"]}')
        if t['target_value'] and i['measure'] in ('milestone', 'boolean'):
            fail(f'indicator_targets.csv:{n} a {i["measure"]} has a numeric target')
        if t['source'] != i['source']:
            fail(f'indicator_targets.csv:{n} source differs from its indicator')
    no_target = set(indicators) - {t['indicator_code'] for t in data['indicator_targets.csv']}
    if no_target:
        fail(f'indicators without a target row: {sorted(no_target)}')
    for n, r in enumerate(data['indicator_results_2023.csv'], 2):
        i = indicators.get(r['indicator_code'])
        if not i or i['plan_key'] != 'KH-99-2023':
            fail(f'indicator_results_2023.csv:{n} {r["indicator_code"]} is not a KH-99-2023 indicator')
        if ASSESSMENT_TEXT.get(r['assessment_text']) != r['assessment']:
            fail(f'indicator_results_2023.csv:{n} assessment {r["assessment"]} does not match "{r["assessment_text"]}"')
    projects = {p['code']: p for p in data['projects.csv']}
    for n, p in enumerate(data['projects.csv'], 2):
        if p['same_as']:
            q = projects.get(p['same_as'])
            if not q or int(plans[q['plan_key']]['first_year']) >= int(plans[p['plan_key']]['first_year']):
                fail(f'projects.csv:{n} same_as {p["same_as"]} is not a project of an earlier plan')
    for n, t in enumerate(data['tasks.csv'], 2):
        if timing(t['timing_text']) != (t['timing_kind'], t['due_date']):
            fail(f'tasks.csv:{n} timing "{t["timing_text"]}" should be {timing(t["timing_text"])}, '
                 f'file has ({t["timing_kind"]}, {t["due_date"]})')
    ok('codes unique; plan keys, indicator codes, same_as links resolve; every indicator has targets within '
       'its plan years; assessment codes match the printed Vượt/Đạt/Chưa đạt; task due dates recomputed')

    refs = 0
    for name, rows in data.items():
        for n, r in enumerate(rows, 2):
            plan = plans.get(r.get('plan_key') or r.get('key'))
            for c in UNIT_COLUMNS:
                for code in filter(None, r.get(c, '').split(';')):
                    refs += 1
                    u = units.get(code)
                    if not u:
                        fail(f'{name}:{n} {c}: unit {code} not in units.json')
                        continue
                    if plan:
                        start = dt.date(int(plan['first_year']), 1, 1)
                        end = dt.date(int(plan['last_year']), 12, 31)
                        u_from = dt.date.fromisoformat(u['valid_from'])
                        u_to = dt.date.fromisoformat(u['valid_to']) if u['valid_to'] else dt.date.max
                        if u_from > end or u_to < start:
                            fail(f'{name}:{n} {c}: unit {code} ({u["valid_from"]}..{u["valid_to"]}) '
                                 f'not valid during plan {plan["key"]}')
            for c in KIND_COLUMNS:
                for k in filter(None, r.get(c, '').split(';')):
                    if k not in UNIT_KINDS:
                        fail(f'{name}:{n} {c}: {k} is not a unit kind')
    ok(f'{refs} unit references exist in units.json and are valid during their plan\'s years; unit kinds valid')


def check_units_json(units_list: list[dict]) -> dict[str, dict]:
    units = {}
    for u in units_list:
        code = u['code']
        if code in units:
            fail(f'units.json: duplicate code {code}')
        if not re.fullmatch(r'[A-Z][A-Z0-9_-]{1,39}', code):
            fail(f'units.json: bad code {code!r}')
        if u['kind'] not in UNIT_KINDS:
            fail(f'units.json: {code} kind {u["kind"]}')
        if unicodedata.normalize('NFC', u['name']) != u['name']:
            fail(f'units.json: {code} name not NFC')
        units[code] = u
    for u in units_list:
        for ref in ('parent', 'successor'):
            if u[ref] and u[ref] not in units:
                fail(f'units.json: {u["code"]} {ref} {u[ref]} unknown')
    ok(f'units.json: {len(units)} units, codes unique and well formed, parents and successors resolve')
    return units


# ----------------------------------------------------------------------------- headline figures
def col_sum(rows: list[dict[str, str]], plan: str, col: str) -> int:
    return sum(int(r[col]) for r in rows if r['plan_key'] == plan and r[col])


def expect(label: str, got: int, want_trieu: str) -> None:
    want = int(want_trieu.replace('.', '')) * TRIEU
    if got != want:
        fail(f'{label}: computed {trieu(got)} triệu, expected {want_trieu}')
    else:
        ok(f'{label}: {trieu(got)} triệu đồng')


def check_headlines(data: dict[str, list[dict[str, str]]]) -> None:
    P, B, T = data['projects.csv'], data['budget_lines.csv'], data['declared_totals.csv']
    plans = {p['key']: p for p in data['plans.csv']}
    declared = {(t['plan_key'], t['table'], t['column']): int(t['declared_vnd']) for t in T}

    # Every declared table total against the sum of its rows; the set of mismatches is part of the data.
    mismatches = []
    for t in T:
        rows = P if t['table'] == 'projects' else B
        got = col_sum(rows, t['plan_key'], t['column'])
        if got != int(t['declared_vnd']):
            mismatches.append((t['plan_key'], t['source'], t['column'], got, int(t['declared_vnd'])))
    want_mismatches = {
        ('KH-99-2023', '000 Phụ lục II', 'total_investment_vnd', 319_925, 319_944),
        ('KH-99-2023', '000 Phụ lục II', 'implemented_plan_year_vnd', 84_008, 84_027),
        ('KH-99-2023', '000 Phụ lục III', 'amount_vnd', 88_563, 87_143),
    }
    got_mismatches = {(p, s, c, g // TRIEU, d // TRIEU) for p, s, c, g, d in mismatches}
    if got_mismatches != want_mismatches:
        fail(f'declared-versus-computed mismatches {sorted(got_mismatches)} != documented {sorted(want_mismatches)}')
    else:
        ok(f'{len(T)} declared table totals compared with their rows: {len(T) - 3} agree, and exactly the 3 '
           f'mismatches the documents contain are reproduced:')
        for p, s, c, g, d in sorted(mismatches, key=lambda m: (m[1], m[2])):
            ok(f'    {s} {c}: rows sum to {trieu(g)}, table declares {trieu(d)} (declared − rows = {trieu(d - g)})')

    # 2022: 118.225 = 64.900 investment (15.000 central + 49.900 local) + 53.325 recurrent
    k = 'KH-145-2022'
    inv = col_sum(P, k, 'allocated_plan_year_vnd')
    cen = col_sum(P, k, 'allocated_central_vnd')
    loc = col_sum(P, k, 'allocated_local_vnd')
    rec = col_sum(B, k, 'amount_vnd')
    expect('2022 investment allocated in 2022 (002 Phụ lục II mục I)', inv, '64.900')
    expect('2022 of which central (NSTW)', cen, '15.000')
    expect('2022 of which local (NSĐP)', loc, '49.900')
    expect('2022 recurrent (002 Phụ lục II mục II, 20 lines)', rec, '53.325')
    expect('2022 plan total = investment + recurrent', inv + rec, '118.225')
    p = plans[k]
    for col, got in (('declared_investment_vnd', inv), ('declared_central_vnd', cen), ('declared_local_vnd', loc),
                     ('declared_recurrent_vnd', rec), ('declared_total_vnd', inv + rec)):
        if int(p[col]) != got:
            fail(f'{k} {col} {trieu(int(p[col]))} != computed {trieu(got)}')
    ok('2022 computed totals equal the plan text (mục III.2): 118.225 = 64.900 (15.000 + 49.900) + 53.325')
    over = [(r['code'], int(r['local_vnd']), int(r['total_investment_vnd'])) for r in P
            if r['plan_key'] == k and r['total_investment_vnd']
            and sum(int(r[c] or 0) for c in ('central_vnd', 'local_vnd', 'other_vnd')) > int(r['total_investment_vnd'])]
    if over != [('KH145-2022-DA-01', 5_800 * TRIEU, 5_618 * TRIEU)]:
        fail(f'2022 funding-split warnings {over} != [project 1: NSĐP 5.800 > TMĐT 5.618]')
    else:
        ok('2022 funding-split warning reproduced: KH145-2022-DA-01 NSĐP 5.800 > TMĐT 5.618 (kept as printed)')

    # 2023: DX spending 171,17 tỷ = 84,027 + 87,143 (declared); 1,09% of 15.687.824 triệu
    k = 'KH-99-2023'
    p = plans[k]
    d_inv, d_rec, d_tot = int(p['declared_investment_vnd']), int(p['declared_recurrent_vnd']), int(p['declared_total_vnd'])
    if d_inv != declared[(k, 'projects', 'implemented_plan_year_vnd')] or d_rec != declared[(k, 'budget_lines', 'amount_vnd')]:
        fail('2023 plan-level investment/recurrent differ from the Phụ lục II/III declared totals')
    if d_tot != d_inv + d_rec or d_tot != 171_170 * TRIEU:
        fail(f'2023 DX spending {trieu(d_tot)} != 84.027 + 87.143 = 171.170')
    else:
        c_inv, c_rec = col_sum(P, k, 'implemented_plan_year_vnd'), col_sum(B, k, 'amount_vnd')
        ok(f'2023 DX spending (declared): 171,17 tỷ = 84,027 tỷ investment (Phụ lục II) + 87,143 tỷ recurrent '
           f'(Phụ lục III); summing the rows instead would give {trieu(c_inv)} + {trieu(c_rec)} = '
           f'{trieu(c_inv + c_rec)} triệu')
    share = (Decimal(d_tot) / Decimal(int(p['provincial_budget_vnd'])) * 100).quantize(Decimal('0.01'))
    if f'{share}'.replace('.', ',') + '%' != p['dx_budget_share_text']:
        fail(f'2023 DX share {share}% != printed {p["dx_budget_share_text"]}')
    else:
        ok(f'2023 DX share of the provincial budget: 171.170 / 15.687.824 triệu = {share}% '
           f'(printed {p["dx_budget_share_text"]})')

    # 2024: 202,663 tỷ = 138,459 investment + 64,204 recurrent
    k = 'KH-52-2024'
    inv = col_sum(P, k, 'allocated_plan_year_vnd')
    rec = col_sum(B, k, 'amount_vnd')
    expect('2024 investment, vốn năm 2024 (000 Phụ lục V, 15 projects)', inv, '138.459')
    expect('2024 total investment TMĐT (000 Phụ lục V)', col_sum(P, k, 'total_investment_vnd'), '328.549')
    expect('2024 recurrent (000 Phụ lục VI, 31 lines)', rec, '64.204')
    expect('2024 plan total = investment + recurrent', inv + rec, '202.663')
    p = plans[k]
    if (int(p['declared_investment_vnd']), int(p['declared_recurrent_vnd']), int(p['declared_total_vnd'])) != (inv, rec, inv + rec):
        fail('2024 plan-level declared totals differ from the computed ones')
    else:
        ok('2024 computed totals equal the plan text (Phần II mục V): 202,663 tỷ = 138,459 + 64,204')

    # 2023 official assessments: 43 of 51 achieved = 17 exceeded + 26 met; 8 not met
    c = Counter(r['assessment'] for r in data['indicator_results_2023.csv'])
    n = len(data['indicator_results_2023.csv'])
    if (n, c['exceeded'], c['met'], c['not_met']) != (51, 17, 26, 8):
        fail(f'2023 assessments: {n} results, {dict(c)}; expected 51 = 17 exceeded + 26 met + 8 not met')
    else:
        ok(f'2023 official assessments (000 Phụ lục I): {c["exceeded"] + c["met"]} of {n} achieved — '
           f'{c["exceeded"]} exceeded, {c["met"]} met, {c["not_met"]} not met')


def main() -> int:
    units = check_units_json(json.loads(UNITS_JSON.read_text(encoding='utf-8')))
    data = {}
    for name in COLUMNS:
        data[name] = load(name)
        check_text(name, data[name])
    if not failures:
        check_counts(data)
        check_values(data)
        check_refs(data, units)
        check_headlines(data)
    print('Checked:')
    for line in checked:
        print(('      ' if line.startswith('    ') else '  - ') + line.strip())
    if failures:
        print(f'\nFAILED ({len(failures)}):')
        for f in failures:
            print('  ✗ ' + f)
        return 1
    print('\nOK: all checks passed.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
