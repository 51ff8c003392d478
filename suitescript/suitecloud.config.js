// SuiteCloud CLI project file: `suitecloud project:deploy` from this directory deploys the RESTlet
// (see docs/analytics.md).
module.exports = {
  defaultProjectFolder: 'src',
  commands: {},
};
