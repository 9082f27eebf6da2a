export default {
  displayName: 'app-forecasting',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/forecasting',
};
