//! The OpenAPI document: generated from the handlers as they are registered, so it cannot
//! drift from the router.

use utoipa::OpenApi;

use crate::error::{FieldLocation, Problem, ProblemFieldError};

/// Top-level facts of the contract; paths come from the router (see [`crate::routes::openapi`]).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "DTI Hub API",
        version = "1.0.0",
        description = "Báo cáo chuyển đổi số định kỳ của sở, ngành và UBND cấp xã; tổng hợp, \
                       đánh giá chỉ tiêu và chỉ số DTI của tỉnh.\n\n\
                       Monthly digital-transformation reports of a Vietnamese province's \
                       departments and communes, their review, and the aggregates built on them.\n\n\
                       Errors are RFC 9457 `application/problem+json` documents with a stable \
                       `code`; messages are in Vietnamese unless `Accept-Language: en` is sent.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "units", description = "Đơn vị: the unit registry"),
        (name = "ops", description = "Health, readiness and metrics"),
    ),
    components(schemas(Problem, ProblemFieldError, FieldLocation))
)]
pub struct ApiDoc;
