//! Messages in Vietnamese (the default) and English (`Accept-Language: en`).

use std::collections::BTreeMap;

use actix_web::http::header::{AcceptLanguage, Header};
use actix_web::HttpRequest;

/// The response language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Tiếng Việt, the default.
    #[default]
    Vi,
    /// English, on request.
    En,
}

impl Lang {
    /// The best language the client accepts, by its quality values; Vietnamese by default.
    pub fn from_request(req: &HttpRequest) -> Self {
        let Ok(accept) = AcceptLanguage::parse(req) else {
            return Lang::Vi;
        };
        for pref in accept.ranked() {
            if let actix_web::http::header::Preference::Specific(tag) = pref {
                match tag.primary_language() {
                    "vi" => return Lang::Vi,
                    "en" => return Lang::En,
                    _ => {}
                }
            }
        }
        Lang::Vi
    }

    /// The `Content-Language` value.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// Title and detail of a problem `code`, in both languages.
fn problem_text(code: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    // (title vi, detail vi, title en, detail en)
    match code {
        "not_found" => (
            "Không tìm thấy",
            "Không tìm thấy tài nguyên được yêu cầu.",
            "Not found",
            "The requested resource does not exist.",
        ),
        "route_not_found" => (
            "Không tìm thấy",
            "Không có đường dẫn API này.",
            "Not found",
            "No API route matches this path.",
        ),
        "method_not_allowed" => (
            "Phương thức không được hỗ trợ",
            "Đường dẫn này không hỗ trợ phương thức HTTP đã dùng; xem tiêu đề Allow.",
            "Method not allowed",
            "This path does not support the HTTP method used; see the Allow header.",
        ),
        "malformed_json" => (
            "JSON không hợp lệ",
            "Nội dung yêu cầu không phải JSON hợp lệ hoặc không đúng cấu trúc.",
            "Malformed JSON",
            "The request body is not valid JSON or does not have the expected shape.",
        ),
        "invalid_query" => (
            "Tham số truy vấn không hợp lệ",
            "Một hoặc nhiều tham số truy vấn không hợp lệ.",
            "Invalid query parameter",
            "One or more query parameters are invalid.",
        ),
        "invalid_path" => (
            "Tham số đường dẫn không hợp lệ",
            "Một tham số trong đường dẫn không hợp lệ.",
            "Invalid path parameter",
            "A path parameter is invalid.",
        ),
        "invalid_header" => (
            "Tiêu đề không hợp lệ",
            "Một tiêu đề HTTP không hợp lệ.",
            "Invalid header",
            "An HTTP header is invalid.",
        ),
        "bad_request" => (
            "Yêu cầu không hợp lệ",
            "Yêu cầu không hợp lệ.",
            "Bad request",
            "The request is invalid.",
        ),
        "unsupported_media_type" => (
            "Kiểu nội dung không được hỗ trợ",
            "Kiểu nội dung (Content-Type) của yêu cầu không được hỗ trợ.",
            "Unsupported media type",
            "The request's Content-Type is not supported.",
        ),
        "payload_too_large" => (
            "Nội dung quá lớn",
            "Nội dung yêu cầu vượt quá giới hạn cho phép.",
            "Payload too large",
            "The request body exceeds the allowed size.",
        ),
        "not_acceptable" => (
            "Không thể đáp ứng định dạng",
            "Không có định dạng phản hồi phù hợp với tiêu đề Accept.",
            "Not acceptable",
            "No response format matches the Accept header.",
        ),
        "validation_failed" => (
            "Dữ liệu không hợp lệ",
            "Một hoặc nhiều trường dữ liệu vi phạm quy tắc.",
            "Validation failed",
            "One or more fields break a rule.",
        ),
        "already_exists" => (
            "Đã tồn tại",
            "Tài nguyên với mã này đã tồn tại.",
            "Already exists",
            "A resource with this key already exists.",
        ),
        "referenced_entity_missing" => (
            "Tham chiếu không tồn tại",
            "Dữ liệu tham chiếu đến một đối tượng không tồn tại.",
            "Missing reference",
            "The data refers to an entity that does not exist.",
        ),
        "referenced_by_reports" => (
            "Đang được báo cáo sử dụng",
            "Không thể xóa: đã có báo cáo tham chiếu đến mục này.",
            "Referenced by reports",
            "Cannot delete: reports refer to this item.",
        ),
        "dti_framework_in_use" => (
            "Bộ chỉ số đã được sử dụng",
            "Đã có đơn vị tự đánh giá theo bộ chỉ số này nên không thể thay đổi; hãy điều chỉnh trong bộ chỉ số năm sau.",
            "Framework in use",
            "Units have self-assessed against this framework, so it can no longer change; make the change in next year's framework.",
        ),
        "dti_framework_missing" => (
            "Chưa có bộ chỉ số",
            "Chưa có bộ chỉ số DTI cho loại đơn vị này trong năm này.",
            "No framework",
            "There is no DTI framework for this kind of unit and year.",
        ),
        "dti_already_verified" => (
            "Đã thẩm định",
            "Kết quả tự đánh giá đã được cơ quan đầu mối thẩm định nên không thể sửa.",
            "Already verified",
            "The self-assessment has been verified by the focal point and can no longer change.",
        ),
        "dti_not_self_assessed" => (
            "Chưa tự đánh giá",
            "Đơn vị chưa nộp kết quả tự đánh giá DTI của năm này.",
            "Not self-assessed",
            "The unit has not filed its DTI self-assessment for this year.",
        ),
        "warnings_not_acknowledged" => (
            "Cần xác nhận cảnh báo",
            "Báo cáo còn cảnh báo; hãy kiểm tra và gửi lại với acknowledge_warnings: true.",
            "Warnings not acknowledged",
            "The report has warnings; check them and submit again with acknowledge_warnings: true.",
        ),
        "invalid_transition" => (
            "Không thể thực hiện ở trạng thái hiện tại",
            "Báo cáo đang ở trạng thái không cho phép thao tác này; xem trạng thái trong errors.",
            "Not allowed in the current status",
            "The report's current status does not allow this action; see the status in errors.",
        ),
        "conflict" => (
            "Xung đột",
            "Yêu cầu xung đột với trạng thái hiện tại.",
            "Conflict",
            "The request conflicts with the current state.",
        ),
        "precondition_failed" => (
            "Điều kiện không thỏa",
            "Tài nguyên đã thay đổi kể từ khi bạn đọc (If-Match).",
            "Precondition failed",
            "The resource changed since you read it (If-Match).",
        ),
        "unauthorized" => (
            "Chưa xác thực",
            "Cần đăng nhập hoặc mã truy cập hợp lệ.",
            "Unauthorized",
            "A valid access token is required.",
        ),
        "invalid_token" => (
            "Mã truy cập không hợp lệ",
            "Mã truy cập không hợp lệ, đã hết hạn, đã bị thu hồi, hoặc tài khoản đã bị khóa; hãy đăng nhập lại.",
            "Invalid token",
            "The access token is invalid, expired or revoked, or its account is disabled; log in again.",
        ),
        "forbidden" => (
            "Không có quyền",
            "Bạn không có quyền thực hiện thao tác này.",
            "Forbidden",
            "You are not allowed to perform this operation.",
        ),
        "too_many_requests" => (
            "Quá nhiều lần thử",
            "Quá nhiều lần thử thất bại; vui lòng thử lại sau số giây ghi trong tiêu đề Retry-After.",
            "Too many requests",
            "Too many failed attempts; retry after the seconds given in the Retry-After header.",
        ),
        "rate_limited" => (
            "Vượt giới hạn số yêu cầu",
            "Ứng dụng đã gửi quá nhiều yêu cầu trong khoảng thời gian cho phép; vui lòng thử lại sau số giây ghi trong tiêu đề Retry-After.",
            "Rate limit exceeded",
            "This client sent more requests than its limit allows in the current window; retry after the seconds given in the Retry-After header.",
        ),
        "service_unavailable" => (
            "Dịch vụ tạm thời không sẵn sàng",
            "Cơ sở dữ liệu tạm thời không phản hồi; vui lòng thử lại sau.",
            "Service unavailable",
            "The database is temporarily unavailable; retry later.",
        ),
        "database_timeout" => (
            "Hết thời gian xử lý",
            "Truy vấn cơ sở dữ liệu vượt quá thời gian cho phép; vui lòng thử lại sau.",
            "Database timeout",
            "The database query took too long; retry later.",
        ),
        "import_rejected" => (
            "Dữ liệu nhập bị từ chối",
            "Có dòng không hợp lệ nên không dòng nào được ghi (chế độ atomic); xem từng lỗi theo dòng và cột.",
            "Import rejected",
            "Some rows are invalid, so no row was written (atomic mode); see each error by row and column.",
        ),
        "malformed_file" => (
            "Tệp không đúng định dạng",
            "Tệp tải lên không đọc được: mã hóa, ký tự, số cột hoặc tiêu đề cột không hợp lệ.",
            "Malformed file",
            "The uploaded file cannot be read: its encoding, characters, cell counts or column headers are invalid.",
        ),
        "too_many_rows" => (
            "Quá nhiều dòng",
            "Tệp có nhiều dòng hơn giới hạn cho một lần nhập; hãy chia nhỏ tệp.",
            "Too many rows",
            "The file has more rows than one import allows; split it.",
        ),
        "idempotency_key_in_use" => (
            "Khóa chống lặp đang được xử lý",
            "Một yêu cầu khác với cùng Idempotency-Key đang chạy; hãy thử lại khi nó xong.",
            "Idempotency key in use",
            "Another request with the same Idempotency-Key is still running; retry when it has finished.",
        ),
        "idempotency_key_reused" => (
            "Khóa chống lặp đã dùng cho yêu cầu khác",
            "Idempotency-Key này đã được dùng với nội dung hoặc tùy chọn khác; hãy dùng khóa mới.",
            "Idempotency key reused",
            "This Idempotency-Key was used with a different body or options; use a new key.",
        ),
        "not_ready" => (
            "Chưa sẵn sàng",
            "Dịch vụ chưa sẵn sàng: cơ sở dữ liệu không truy cập được hoặc chưa cập nhật cấu trúc.",
            "Not ready",
            "The service is not ready: the database is unreachable or not migrated.",
        ),
        _ => (
            "Lỗi máy chủ",
            "Đã xảy ra lỗi không mong muốn; mã yêu cầu giúp tra cứu nhật ký.",
            "Internal server error",
            "An unexpected error occurred; the request id helps find it in the logs.",
        ),
    }
}

/// The localised title of a problem code.
pub fn title(code: &str, lang: Lang) -> &'static str {
    let (tv, _, te, _) = problem_text(code);
    match lang {
        Lang::Vi => tv,
        Lang::En => te,
    }
}

/// The localised detail of a problem code.
pub fn detail(code: &str, lang: Lang) -> &'static str {
    let (_, dv, _, de) = problem_text(code);
    match lang {
        Lang::Vi => dv,
        Lang::En => de,
    }
}

/// The localised message of a field rule, with `{param}` placeholders filled in.
pub fn field_message(code: &str, params: &BTreeMap<String, String>, lang: Lang) -> String {
    let (vi, en) = match code {
        "required" => ("Trường này là bắt buộc.", "This field is required."),
        "invalid_enum" => ("Giá trị không hợp lệ; chấp nhận: {allowed}.", "Invalid value; accepted: {allowed}."),
        "invalid_date" => ("Ngày không hợp lệ; định dạng YYYY-MM-DD.", "Invalid date; the format is YYYY-MM-DD."),
        "invalid_integer" => ("Phải là số nguyên.", "Must be an integer."),
        "out_of_range" => ("Giá trị phải từ {min} đến {max}.", "The value must be between {min} and {max}."),
        "too_long" => ("Dài quá {max} ký tự.", "Longer than {max} characters."),
        "invalid_cursor" => ("Con trỏ phân trang không hợp lệ; hãy dùng next_cursor của trang trước.", "Invalid pagination cursor; use the previous page's next_cursor."),
        "invalid_unit_code" => ("Mã đơn vị chỉ gồm chữ in hoa không dấu, chữ số, '-' và '_', dài 2–40 ký tự, bắt đầu bằng chữ.", "A unit code is 2–40 upper-case ASCII letters, digits, '-' or '_', starting with a letter."),
        "invalid_characters" => ("Chứa ký tự không được phép.", "Contains characters that are not allowed."),
        "invalid_type" => ("Kiểu dữ liệu không đúng.", "Wrong data type."),
        "unknown_field" => ("Trường không được hỗ trợ.", "Unknown field."),
        "invalid_code" => ("Mã chỉ gồm chữ, chữ số, '-', '_', '.', '/', dài 1–60 ký tự.", "A code is 1–60 letters, digits, '-', '_', '.' or '/'."),
        "duplicate" => ("Giá trị bị lặp.", "Duplicate value."),
        "before_start" => ("Không được trước {min}.", "Must not be before {min}."),
        "outside_plan_years" => ("Năm phải trong thời gian của kế hoạch ({min}–{max}).", "The year must be within the plan's years ({min}–{max})."),
        "annual_plan_spans_one_year" => ("Kế hoạch năm chỉ có một năm.", "An annual plan covers one year."),
        "column_not_in_table" => ("Cột không thuộc bảng này.", "The column does not belong to this table."),
        "only_for_percent" => ("Chỉ áp dụng cho chỉ tiêu tỷ lệ phần trăm.", "Only for percentage indicators."),
        "roll_up_does_not_fit_measure" => ("Cách tổng hợp không phù hợp với loại chỉ tiêu {value}.", "The roll-up does not suit a {value} indicator."),
        "no_value_for_measure" => ("Chỉ tiêu dạng này không có giá trị số.", "This kind of indicator takes no number."),
        "not_a_whole_count" => ("Phải là số đếm nguyên, không âm.", "Must be a whole, non-negative count."),
        "not_whole_vnd" => ("Phải là số đồng nguyên, không âm.", "Must be whole, non-negative VND."),
        "invalid_number" => ("Số không hợp lệ.", "Invalid number."),
        "unrecognised_timing" => ("Không đọc được thời gian (ví dụ: Quý I/2025, Tháng 10/2025, Năm 2025, Hằng năm, Thường xuyên).", "Unrecognised timing (e.g. Quý I/2025, Tháng 10/2025, Năm 2025, Hằng năm, Thường xuyên)."),
        "split_exceeds_allocation" => ("Tổng các nguồn vượt số vốn bố trí.", "The sources add up to more than the allocation."),
        "items_outside_plan_years" => ("Có chỉ tiêu hoặc vốn bố trí ngoài các năm mới của kế hoạch.", "Targets or allocations lie outside the plan's new years."),
        "invalid_json" => ("JSON không hợp lệ: {reason}", "Invalid JSON: {reason}"),
        "invalid_value" => ("Giá trị không hợp lệ.", "Invalid value."),
        "invalid_username" => ("Tên đăng nhập gồm 3–64 chữ thường không dấu, chữ số, '.', '_' hoặc '-', bắt đầu bằng chữ.", "A username is 3–64 lower-case ASCII letters, digits, '.', '_' or '-', starting with a letter."),
        "password_too_short" => ("Mật khẩu phải có ít nhất {min} ký tự.", "The password must have at least {min} characters."),
        "password_is_username" => ("Mật khẩu không được trùng tên đăng nhập.", "The password must not be the username."),
        "password_unchanged" => ("Mật khẩu mới phải khác mật khẩu cũ.", "The new password must differ from the old one."),
        "wrong_password" => ("Mật khẩu hiện tại không đúng.", "The current password is wrong."),
        "invalid_email" => ("Địa chỉ e-mail không hợp lệ.", "Invalid e-mail address."),
        "unknown_unit" => ("Không có đơn vị với mã này.", "No unit has this code."),
        "unit_required_for_role" => ("Vai trò cấp đơn vị (unit_reporter, unit_approver) cần có đơn vị.", "Unit roles (unit_reporter, unit_approver) need a unit."),
        "cannot_disable_self" => ("Không thể tự khóa tài khoản của mình.", "You cannot disable your own account."),
        "cannot_remove_own_admin" => ("Không thể tự bỏ vai trò quản trị của mình.", "You cannot remove your own admin role."),
        "admin_scope_cannot_be_bound" => ("Ứng dụng có quyền admin không được gắn với một đơn vị.", "A client with the admin scope cannot be bound to a unit."),
        "before_valid_from" => ("Ngày kết thúc phải không sớm hơn ngày bắt đầu.", "The last day must not be before the first day."),
        "self_reference" => ("Đơn vị không thể tham chiếu đến chính nó.", "A unit cannot refer to itself."),
        "invalid_boolean" => ("Phải là true hoặc false.", "Must be true or false."),
        "invalid_datetime" => ("Thời điểm không hợp lệ; dùng RFC 3339, ví dụ 2025-07-01T00:00:00Z.", "Invalid instant; use RFC 3339, e.g. 2025-07-01T00:00:00Z."),
        "invalid_period" => ("Kỳ báo cáo không hợp lệ; dạng YYYY-MM, YYYY-Qn, YYYY-H1/H2 hoặc YYYY, năm từ 2000 đến 2100.", "Invalid period; the forms are YYYY-MM, YYYY-Qn, YYYY-H1/H2 or YYYY, years 2000 to 2100."),
        "invalid_transition" => ("Báo cáo đang ở trạng thái {status}: không được phép {action}.", "The report is {status}: {action} is not allowed."),
        "unit_not_allowed" => ("Không được ghi dữ liệu cho đơn vị này.", "You may not write data for this unit."),
        "period_not_open" => ("Kỳ báo cáo chưa bắt đầu (từ {first}).", "The period has not begun (it opens on {first})."),
        "report_locked" => ("Báo cáo đang ở trạng thái {status}, không sửa được.", "The report is {status} and cannot be edited."),
        "column_not_applicable" => ("Cột này không dùng cho loại dòng {kind}.", "This column does not apply to {kind} rows."),
        "duplicate_row" => ("Mục này đã có ở dòng {first_row}.", "This item already appears on row {first_row}."),
        "ambiguous_item" => ("Mã khớp với nhiều mục; hãy dùng id_scheme=id.", "The code matches several items; use id_scheme=id."),
        "invalid_idempotency_key" => ("Idempotency-Key gồm 1–255 ký tự ASCII nhìn thấy được.", "An Idempotency-Key is 1–255 visible ASCII characters."),
        "invalid_utf8" => ("Không phải văn bản UTF-8 hợp lệ.", "Not valid UTF-8 text."),
        "ragged_row" => ("Số ô của dòng ({found}) khác số cột ({expected}).", "The row has {found} cells for {expected} columns."),
        "malformed_csv" => ("CSV không hợp lệ: {reason}", "Malformed CSV: {reason}"),
        "malformed_xlsx" => ("XLSX không hợp lệ: {reason}", "Malformed XLSX: {reason}"),
        "cell_error" => ("Ô chứa lỗi công thức: {reason}", "The cell holds a formula error: {reason}"),
        "unknown_column" => ("Cột không được hỗ trợ; các cột: {allowed}.", "Unknown column; the columns are: {allowed}."),
        "missing_column" => ("Thiếu cột bắt buộc.", "A required column is missing."),
        "duplicate_column" => ("Cột bị lặp.", "The column appears twice."),
        "missing_header" => ("Thiếu dòng tiêu đề cột.", "The header row is missing."),
        "too_many_rows" => ("Nhiều hơn {max} dòng.", "More than {max} rows."),
        "unknown_item" => ("Đơn vị không báo cáo mục này (id {id}).", "The unit does not report on this item (id {id})."),
        "duplicate_item" => ("Mục này đã có ở vị trí {first_index}.", "This item already appears at position {first_index}."),
        "missing_item" => ("Thiếu mục đơn vị phải báo cáo (id {id}).", "An item the unit must report is missing (id {id})."),
        "percent_out_of_range" => ("Tỷ lệ phải từ {min} đến {max}.", "The percentage must be between {min} and {max}."),
        "outlier_factor_range" => ("Hệ số chênh lệch phải bằng 0 (tắt kiểm tra) hoặc lớn hơn 1 và không quá {max}.", "The outlier factor must be 0 (check off) or above 1 and at most {max}."),
        "negative_value" => ("Không được âm.", "Must not be negative."),
        "negative_amount" => ("Số tiền không được âm.", "The amount must not be negative."),
        "not_positive" => ("Phải lớn hơn 0.", "Must be greater than 0."),
        "not_whole_number" => ("Phải là số nguyên.", "Must be a whole number."),
        "numerator_exceeds_denominator" => ("Tử số không được lớn hơn mẫu số ({denominator}).", "The numerator must not exceed the denominator ({denominator})."),
        "ratio_not_applicable" => ("Chỉ tiêu này không tính theo tử số/mẫu số.", "This indicator takes no numerator or denominator."),
        "value_mismatch" => ("Giá trị khác tỷ lệ tính từ tử số/mẫu số ({computed}).", "The value differs from the computed ratio ({computed})."),
        "text_instead_of_number" => ("Nên nhập giá trị số thay vì văn bản.", "A number is expected rather than text."),
        "cumulative_below_previous" => ("Lũy kế giải ngân thấp hơn kỳ đã duyệt trước ({previous}).", "Cumulative disbursement is below the last accepted period's ({previous})."),
        "cumulative_above_allocation" => ("Lũy kế giải ngân vượt vốn bố trí ({allocation}).", "Cumulative disbursement exceeds the allocation ({allocation})."),
        "outlier" => ("Giá trị chênh lệch quá {factor} lần so với kỳ trước ({previous}).", "The value differs more than {factor} times from the previous period's ({previous})."),
        "points_do_not_add_up" => ("Tổng điểm không khớp: khai {declared}, cộng các mục được {computed}.", "The points do not add up: {declared} declared, {computed} from the parts."),
        "evidence_on_computed_criterion" => ("Tiêu chí tính từ báo cáo không cần minh chứng.", "A criterion computed from reports takes no evidence."),
        "unknown_criterion" => ("Không có tiêu chí với mã này trong bộ chỉ số ({value}).", "The framework has no criterion with this code ({value})."),
        "computed_criterion" => ("Tiêu chí này được tính từ báo cáo của đơn vị, không tự đánh giá.", "This criterion is computed from the unit's reports, not self-assessed."),
        "evidence_required" => ("Tiêu chí này cần văn bản minh chứng (số, tên, ngày, trích yếu).", "This criterion needs a cited document (number, name, date, summary)."),
        "reason_required" => ("Điểm thẩm định khác điểm tự đánh giá ({self_assessed}): cần nêu lý do.", "The verified points differ from the self-assessed ones ({self_assessed}): give a reason."),
        "invalid_year" => ("Năm không hợp lệ; dạng YYYY, từ 2000 đến 2100.", "Invalid year; the form is YYYY, from 2000 to 2100."),
        "result_required" => ("Nhiệm vụ đã hoàn thành cần nêu kết quả.", "A completed task needs a result."),
        "year_outside_plan" => ("Năm phải thuộc thời gian của kế hoạch ({first}–{last}).", "The year must be one of the plan's years ({first}–{last})."),
        "plan_or_year_required" => ("Cần chọn kế hoạch (plan) hoặc năm (year).", "Give a plan or a year."),
        "completed_below_100" => ("Nhiệm vụ hoàn thành nhưng tỷ lệ dưới 100%.", "A completed task is below 100%."),
        _ => ("Giá trị không hợp lệ ({code}).", "Invalid value ({code})."),
    };
    let template = match lang {
        Lang::Vi => vi,
        Lang::En => en,
    };
    let mut out = template.replace("{code}", code);
    for (key, value) in params {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}
