/** The rules packages a template may choose, as list/describe-rules-packages show them: the product catalogue. */
export {
  RULES_PACKAGE_CATALOG as RULES_PACKAGES,
  RULES_PACKAGE_IDS,
  type RulesPackageInfo as RulesPackage,
  rulesPackageInfo as findRulesPackage,
} from '../../rules/catalog';
