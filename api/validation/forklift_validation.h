// Validation of Forklift Providers, Plans and Migrations.
#ifndef FERRY_API_VALIDATION_FORKLIFT_VALIDATION_H_
#define FERRY_API_VALIDATION_FORKLIFT_VALIDATION_H_

#include "api/forklift.pb.h"
#include "api/validation/field_errors.h"

namespace ferry::validation {

void ValidateProvider(const forklift::Provider& provider, FieldErrors& errors);
void ValidatePlan(const forklift::Plan& plan, FieldErrors& errors);
void ValidateMigration(const forklift::Migration& migration, FieldErrors& errors);

}  // namespace ferry::validation

#endif  // FERRY_API_VALIDATION_FORKLIFT_VALIDATION_H_
